"""The per-request GraphQL context: the viewer, the database and the request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from nexus.db.engine import Database

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    """Built by the HTTP layer after authentication; resolvers read it, never write it."""

    viewer_id: UUID
    database: Database
    request_id: str
    # Loaders are created on first use and live only as long as this request.
    loaders: dict[type, Any] = field(default_factory=dict)
