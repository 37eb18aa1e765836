"""Is the service ready to serve: does the database answer, and is it migrated to head?"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from nexus.db.engine import Database
from nexus.errors import ErrorCode, NexusError

__all__ = ["check_ready"]


async def check_ready(*, database: Database, timeout_seconds: float = 3.0) -> None:
    """Return when ready; raise E_UNAVAILABLE saying what is wrong otherwise. The check
    runs on the probe's own connection: requests holding every pooled one do not make
    the service look down."""
    # Alembic (about 13 MB per process) is loaded by the first readiness check, not by
    # every worker at start: a process nobody probes never needs it.
    from nexus.db.migrations import is_at_head  # noqa: PLC0415

    try:
        async with asyncio.timeout(timeout_seconds), database.probe_connection() as connection:
            await connection.execute(text("SELECT 1"))
            at_head = await is_at_head(connection)
    except NexusError:
        raise
    except TimeoutError as exc:
        message = f"The database did not answer within {timeout_seconds:g} seconds."
        raise NexusError(ErrorCode.E_UNAVAILABLE, message) from exc
    except Exception as exc:
        raise NexusError(ErrorCode.E_UNAVAILABLE, "The database is unreachable.") from exc
    if not at_head:
        raise NexusError(ErrorCode.E_UNAVAILABLE, "The database is not migrated to head.")
