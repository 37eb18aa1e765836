"""Reading highlights: their rows (with the quote computed from the fragment's text), the
highlights a viewer may see, and the two lists (a fragment's, a media item's).

A highlight row is the highlight's columns, its fragment's `media_id` and `idx`
(`fragment_idx`), and `exact`, `prefix` and `suffix`: substrings of the fragment's
canonical text, computed here and nowhere else. PostgreSQL's `substr` and `char_length`
count code points, as Python's `str` does, so an astral character counts once on both
sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, literal, select

from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_cached
from nexus.db.tables import fragments, highlights
from nexus.services.by_ids import by_ids, ids_values
from nexus.services.pagination import Page, PagedList, PageRequest, load_pages
from nexus.services.visibility import VIEWER, ViewerId, can_see_highlight

__all__ = [
    "CONTEXT_LENGTH",
    "HighlightColor",
    "get_highlights",
    "highlight_rows",
    "highlights_of_fragment",
    "highlights_of_media",
    "list_highlight_pages_by_fragment",
    "list_highlight_pages_by_media",
    "visible_highlights",
]

# Code points of text kept before and after a range, for re-anchoring it in a client.
CONTEXT_LENGTH = 32


class HighlightColor(StrEnum):
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PINK = "pink"
    PURPLE = "purple"


def _quote(
    text: ColumnElement[str], start: ColumnElement[int], end: ColumnElement[int]
) -> list[ColumnElement[str]]:
    """exact = text[start:end], prefix = text[max(start - 32, 0):start], suffix =
    text[end:end + 32] (`substr` counts from 1)."""
    context = literal(CONTEXT_LENGTH)
    prefix_start = func.greatest(start - context, 0)
    return [
        func.substr(text, start + 1, end - start).label("exact"),
        func.substr(text, prefix_start + 1, start - prefix_start).label("prefix"),
        func.substr(text, end + 1, context).label("suffix"),
    ]


def highlight_rows() -> Select[Any]:
    """Every highlight row, unchecked: the base of every read below."""
    h = highlights.c
    return select(
        h.id,
        h.fragment_id,
        h.author_user_id,
        h.start_offset,
        h.end_offset,
        h.color,
        h.note,
        h.created_at,
        h.updated_at,
        fragments.c.media_id,
        fragments.c.idx.label("fragment_idx"),
        *_quote(fragments.c.canonical_text, h.start_offset, h.end_offset),
    ).join_from(highlights, fragments, fragments.c.id == h.fragment_id)


def visible_highlights(viewer_id: ViewerId) -> Select[Any]:
    """The highlights the viewer may see (visibility.can_see_highlight)."""
    author, media_id = highlights.c.author_user_id, fragments.c.media_id
    return highlight_rows().where(can_see_highlight(viewer_id, author, media_id))


def _listed(viewer_id: ViewerId, mine: bool | None) -> ColumnElement[bool]:
    # Lists hang under a fragment or media item the viewer reads, so the rule's author
    # branch is the author test alone; `mine` keeps that branch only (null: the default).
    author = highlights.c.author_user_id
    if mine is not False:
        return author == viewer_id
    return can_see_highlight(viewer_id, author, fragments.c.media_id, media_readable=True)


def highlights_of_fragment(viewer_id: ViewerId, *, mine: bool | None = True) -> PagedList:
    """Per (readable) fragment, the highlights the viewer sees (only their own with
    `mine`), by start offset, end offset, creation time, id."""
    h = highlights.c

    def members(fragment_id: ColumnElement[UUID]) -> Select[Any]:
        rows = select(h.id).where(h.fragment_id == fragment_id, _listed(viewer_id, mine))
        if mine is False:  # the rule reads the fragment's media
            rows = rows.join_from(highlights, fragments, fragments.c.id == h.fragment_id)
        return rows

    return PagedList(
        rows=lambda fragment_id: highlight_rows().where(
            h.fragment_id == fragment_id, _listed(viewer_id, mine)
        ),
        members=members,
        key=(h.start_offset, h.end_offset, h.created_at, h.id),
        descending=False,
    )


def highlights_of_media(viewer_id: ViewerId, *, mine: bool | None = True) -> PagedList:
    """Per (readable) media, the highlights the viewer sees (only their own with `mine`),
    by fragment idx, start offset, end offset, creation time, id."""
    h = highlights.c
    return PagedList(
        rows=lambda media_id: highlight_rows().where(
            fragments.c.media_id == media_id, _listed(viewer_id, mine)
        ),
        members=lambda media_id: (
            select(h.id)
            .join_from(highlights, fragments, fragments.c.id == h.fragment_id)
            .where(fragments.c.media_id == media_id, _listed(viewer_id, mine))
        ),
        key=(fragments.c.idx, h.start_offset, h.end_offset, h.created_at, h.id),
        descending=False,
    )


_OF_FRAGMENT = {mine: highlights_of_fragment(VIEWER, mine=mine) for mine in (True, False)}
_OF_MEDIA = {mine: highlights_of_media(VIEWER, mine=mine) for mine in (True, False)}


async def list_highlight_pages_by_fragment(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    fragment_ids: Sequence[UUID],
    request: PageRequest,
    mine: bool,
) -> dict[UUID, Page]:
    """Per (readable) fragment, a page of the highlights the viewer sees."""
    paged = _OF_FRAGMENT[mine]
    return await load_pages(connection, paged, fragment_ids, request, viewer_id=viewer_id)


async def list_highlight_pages_by_media(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    media_ids: Sequence[UUID],
    request: PageRequest,
    mine: bool,
) -> dict[UUID, Page]:
    """Per (readable) media, a page of the highlights the viewer sees."""
    paged = _OF_MEDIA[mine]
    return await load_pages(connection, paged, media_ids, request, viewer_id=viewer_id)


async def get_highlights(
    *, connection: DriverConnection, viewer_id: UUID, highlight_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The highlights among `highlight_ids` the viewer may see, by id."""
    rows = await fetch_cached(
        connection,
        ("highlights_by_id", len(highlight_ids) > 1),
        lambda: visible_highlights(VIEWER).where(by_ids(highlights.c.id, len(highlight_ids))),
        {"viewer_id": viewer_id, **ids_values(highlight_ids)},
    )
    return {row.id: row for row in rows}
