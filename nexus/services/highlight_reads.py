"""Reading highlights: their rows (with the quote computed from the fragment's text), the
highlights a viewer may see, and the two lists (a fragment's, a media item's).

A highlight row is the highlight's columns, its fragment's `media_id` and `idx`
(`fragment_idx`), and either `exact`, `prefix` and `suffix` (substrings of the fragment's
canonical text, computed by `quote` and nowhere else) or, unquoted, that text itself
(`fragment_text`) for a caller that computes the quote only where it is asked for (the
compiled reads, with `quote` again). PostgreSQL's `substr` and `char_length` count code
points, as Python's `str` does, so an astral character counts once on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, FromClause, Integer, Select, func, literal_column, select

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
    "quote",
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


def _integer(value: int) -> ColumnElement[int]:
    # A constant of the statement, not a parameter: it keeps compiled reads' SQL short.
    return literal_column(str(value), Integer)


def quote(
    text: ColumnElement[str], start: ColumnElement[int], end: ColumnElement[int]
) -> dict[str, ColumnElement[str]]:
    """exact = text[start:end], prefix = text[max(start - 32, 0):start], suffix =
    text[end:end + 32] (`substr` counts from 1)."""
    context = _integer(CONTEXT_LENGTH)
    prefix_start = func.greatest(start - context, _integer(0))
    return {
        "exact": func.substr(text, start + _integer(1), end - start),
        "prefix": func.substr(text, prefix_start + _integer(1), start - prefix_start),
        "suffix": func.substr(text, end + _integer(1), context),
    }


def highlight_rows(
    *, quoted: bool = True, h: FromClause = highlights, f: FromClause = fragments
) -> Select[Any]:
    """Every highlight row (of `h`, joined to its fragment `f`), unchecked: the base of
    every read below. Unquoted rows carry the fragment's text as `fragment_text` instead
    of `exact`, `prefix` and `suffix`. The join is outer (every highlight has its
    fragment) so that PostgreSQL drops it where nothing reads the fragment's columns."""
    text = f.c.canonical_text
    if quoted:
        parts = quote(text, h.c.start_offset, h.c.end_offset)
        derived = [value.label(name) for name, value in parts.items()]
    else:
        derived = [text.label("fragment_text")]
    return select(
        h.c.id,
        h.c.fragment_id,
        h.c.author_user_id,
        h.c.start_offset,
        h.c.end_offset,
        h.c.color,
        h.c.note,
        h.c.created_at,
        h.c.updated_at,
        f.c.media_id,
        f.c.idx.label("fragment_idx"),
        *derived,
    ).join_from(h, f, f.c.id == h.c.fragment_id, isouter=True)


def visible_highlights(viewer_id: ViewerId, *, quoted: bool = True) -> Select[Any]:
    """The highlights the viewer may see (visibility.can_see_highlight)."""
    author, media_id = highlights.c.author_user_id, fragments.c.media_id
    return highlight_rows(quoted=quoted).where(can_see_highlight(viewer_id, author, media_id))


def _listed(
    viewer_id: ViewerId, mine: bool | None, h: FromClause, f: FromClause
) -> ColumnElement[bool]:
    # Lists hang under a fragment or media item the viewer reads, so the rule's author
    # branch is the author test alone; `mine` keeps that branch only (null: the default).
    if mine is not False:
        return h.c.author_user_id == viewer_id
    return can_see_highlight(viewer_id, h.c.author_user_id, f.c.media_id, media_readable=True)


def _short_aliases() -> tuple[FromClause, FromClause]:
    # One-letter names: the reader's statement repeats these for every list it builds,
    # and stays readable in logs and pg_stat_statements.
    return highlights.alias("h"), fragments.alias("f")


def highlights_of_fragment(
    viewer_id: ViewerId, *, mine: bool | None = True, quoted: bool = True
) -> PagedList:
    """Per (readable) fragment, the highlights the viewer sees (only their own with
    `mine`), by start offset, end offset, creation time, id."""
    h, f = _short_aliases()

    def members(fragment_id: ColumnElement[UUID]) -> Select[Any]:
        rows = select(h.c.id).where(h.c.fragment_id == fragment_id, _listed(viewer_id, mine, h, f))
        if mine is False:  # the rule reads the fragment's media
            rows = rows.join_from(h, f, f.c.id == h.c.fragment_id)
        return rows

    return PagedList(
        rows=lambda fragment_id: highlight_rows(quoted=quoted, h=h, f=f).where(
            h.c.fragment_id == fragment_id, _listed(viewer_id, mine, h, f)
        ),
        members=members,
        key=(h.c.start_offset, h.c.end_offset, h.c.created_at, h.c.id),
        descending=False,
    )


def highlights_of_media(
    viewer_id: ViewerId, *, mine: bool | None = True, quoted: bool = True
) -> PagedList:
    """Per (readable) media, the highlights the viewer sees (only their own with `mine`),
    by fragment idx, start offset, end offset, creation time, id."""
    h, f = _short_aliases()
    return PagedList(
        rows=lambda media_id: highlight_rows(quoted=quoted, h=h, f=f).where(
            f.c.media_id == media_id, _listed(viewer_id, mine, h, f)
        ),
        members=lambda media_id: (
            select(h.c.id)
            .join_from(h, f, f.c.id == h.c.fragment_id)
            .where(f.c.media_id == media_id, _listed(viewer_id, mine, h, f))
        ),
        key=(f.c.idx, h.c.start_offset, h.c.end_offset, h.c.created_at, h.c.id),
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
