"""What realtime fan-out reads of the media its subscribers watch: one statement per
event, whatever the number of subscribers, plus one per re-read after a lost LISTEN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.db.engine import DriverConnection
from nexus.db.statement_cache import fetch_cached
from nexus.db.tables import media
from nexus.services.visibility import can_read_media

__all__ = ["MediaReaders", "get_media_readers", "get_media_statuses", "list_media_changed_since"]

_UUIDS = ARRAY(PG_UUID(as_uuid=True))


@dataclass(frozen=True, slots=True)
class MediaReaders:
    """A media item's processing status now (None: it is gone) and which of the viewers
    asked about can read it."""

    status: str | None
    readers: frozenset[UUID]


def _readers_statement() -> object:
    viewers = (
        func.unnest(bindparam("viewer_ids", type_=_UUIDS))
        .table_valued("viewer_id")
        .render_derived()
    )
    readers = (
        select(func.array_agg(viewers.c.viewer_id))
        .where(can_read_media(viewers.c.viewer_id, media.c.id))
        .scalar_subquery()
    )
    return select(media.c.processing_status, readers).where(
        media.c.id == bindparam("media_id", type_=PG_UUID(as_uuid=True))
    )


async def get_media_readers(
    *, connection: DriverConnection, media_id: UUID, viewer_ids: Sequence[UUID]
) -> MediaReaders:
    """The media's status and its readers among `viewer_ids`, by the visibility rule
    every read applies (`can_read_media`)."""
    rows = await fetch_cached(
        connection,
        "media_readers",
        _readers_statement,  # type: ignore[arg-type]
        {"media_id": media_id, "viewer_ids": list(viewer_ids)},
    )
    if not rows:
        return MediaReaders(None, frozenset())
    status, readers = rows[0]
    return MediaReaders(str(status), frozenset(readers or ()))


async def get_media_statuses(
    *, connection: DriverConnection, media_ids: Sequence[UUID]
) -> dict[UUID, str]:
    """The processing status of each of `media_ids` that still exists."""
    rows = await fetch_cached(
        connection,
        "media_statuses",
        lambda: select(media.c.id, media.c.processing_status).where(
            media.c.id == func.any(bindparam("media_ids", type_=_UUIDS))
        ),
        {"media_ids": list(media_ids)},
    )
    return {row.id: str(row.processing_status) for row in rows}


async def list_media_changed_since(
    *, connection: DriverConnection, since: datetime, limit: int
) -> list[UUID]:
    """The media changed at or after `since`, oldest change first, at most `limit`
    (the most recent ones when more changed)."""
    recent = (
        select(media.c.id, media.c.updated_at)
        .where(media.c.updated_at >= bindparam("since"))
        .order_by(media.c.updated_at.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    rows = await fetch_cached(
        connection,
        "media_changed_since",
        lambda: select(recent.c.id).order_by(recent.c.updated_at),
        {"since": since, "limit": limit},
    )
    return [row.id for row in rows]
