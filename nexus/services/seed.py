"""Sample data for local development (filled in by the domain work)."""

from __future__ import annotations

from nexus.db.engine import Database

__all__ = ["seed_sample_data"]


async def seed_sample_data(*, database: Database, only_if_empty: bool) -> None:
    """Load the sample articles into the dev user's default library (idempotent)."""
    del database, only_if_empty
