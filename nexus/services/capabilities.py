"""What a viewer may do with a media item now (reading.md, Capabilities), as SQL.

Each capability is one boolean expression over a media row's columns and the viewer, so
the compiled reads and the resolver path's loader evaluate the very same rule. Unreadable
media never gets this far: it is E_MEDIA_NOT_FOUND before any capability is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from nexus.db.columns import Columns
from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_cached
from nexus.db.tables import fragments, library_media, media, memberships
from nexus.services.by_ids import by_ids, ids_values
from nexus.services.visibility import VIEWER, ViewerId

__all__ = ["CAPABILITIES", "capability_expressions", "get_capabilities"]

CAPABILITIES = (
    "can_read",
    "can_highlight",
    "can_quote",
    "can_search",
    "can_play",
    "can_download_file",
    "can_retry",
)

_READABLE_STATUSES = ("ready_for_reading", "embedding", "ready")
_TEXT_KINDS = ("web_article", "epub")
_TIMED_KINDS = ("video", "podcast_episode")


def _one_of(column: ColumnElement[Any], values: tuple[str, ...]) -> ColumnElement[bool]:
    # Not IN: an expanding IN has no plain SQL text, and compiled reads render their SQL once.
    return or_(*(column == value for value in values))


def _has_fragment(media_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    held = fragments.alias()
    return exists().where(held.c.media_id == media_id).correlate_except(held)


def administers_a_library_holding(
    viewer_id: ViewerId, media_id: ColumnElement[UUID]
) -> ColumnElement[bool]:
    """The viewer is an admin of at least one library that holds the media."""
    mine, held = memberships.alias(), library_media.alias()
    return (
        exists()
        .where(
            mine.c.user_id == viewer_id,
            mine.c.role == "admin",
            held.c.library_id == mine.c.library_id,
            held.c.media_id == media_id,
        )
        .correlate_except(mine, held)
    )


def capability_expressions(viewer_id: ViewerId, row: Columns) -> dict[str, ColumnElement[bool]]:
    """Each capability of the media row `row` (its `id`, `kind`, `processing_status`,
    `canonical_source_url` and `created_by_user_id` columns) for the viewer."""
    kind, status = row["kind"], row["processing_status"]
    readable_text = and_(
        _one_of(kind, _TEXT_KINDS), _one_of(status, _READABLE_STATUSES), _has_fragment(row["id"])
    )
    # PDFs read from their file, and no files exist yet: nothing to read.
    transcript = and_(_one_of(kind, _TIMED_KINDS), _has_fragment(row["id"]))
    can_read = or_(readable_text, transcript)
    can_retry = and_(
        status == "failed",
        or_(
            row["created_by_user_id"] == viewer_id,
            administers_a_library_holding(viewer_id, row["id"]),
        ),
    )
    return {
        "can_read": can_read,
        "can_highlight": can_read,
        "can_quote": can_read,
        "can_search": can_read,
        "can_play": and_(_one_of(kind, _TIMED_KINDS), row["canonical_source_url"].is_not(None)),
        "can_download_file": false(),
        "can_retry": can_retry,
    }


async def get_capabilities(
    *, connection: DriverConnection, viewer_id: UUID, media_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The capabilities of each media item (already known readable), by id."""

    def statement() -> Select[Any]:
        expressions = capability_expressions(VIEWER, media.c)
        columns = [expressions[name].label(name) for name in CAPABILITIES]
        return select(media.c.id, *columns).where(by_ids(media.c.id, len(media_ids)))

    rows = await fetch_cached(
        connection,
        ("capabilities_by_media", len(media_ids) > 1),
        statement,
        {"viewer_id": viewer_id, **ids_values(media_ids)},
    )
    return {row.id: row for row in rows}
