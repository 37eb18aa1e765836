"""Highlights and notes (reading.md, Highlights): creating, changing and deleting them.

- The fragment's media must be readable (else E_MEDIA_NOT_FOUND, also for a fragment that
  does not exist) and highlightable (`can_highlight`, else E_MEDIA_NOT_READY).
- The range is half-open over the code points of the fragment's canonical text:
  0 <= start < end <= its length, else E_HIGHLIGHT_INVALID_RANGE.
- One author has one highlight per exact range of a fragment (overlaps are fine):
  E_HIGHLIGHT_CONFLICT, decided by the unique constraint, so racing creates of one range
  leave exactly one.
- A note has at most 10,000 characters and no U+0000 (E_INVALID_REQUEST); an empty note
  is no note.
- Only the author changes or deletes a highlight, while they can read its media; for
  anyone else it does not exist (E_HIGHLIGHT_NOT_FOUND, whether they can see it or not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.tables import fragments, highlights, media
from nexus.errors import ErrorCode, NexusError
from nexus.services.capabilities import capability_expressions
from nexus.services.highlight_reads import HighlightColor, highlight_rows
from nexus.services.media import media_not_found
from nexus.services.visibility import can_read_media

__all__ = [
    "MAX_NOTE_LENGTH",
    "HighlightChange",
    "create_highlight",
    "delete_highlight",
    "highlight_not_found",
    "update_highlight",
]

MAX_NOTE_LENGTH = 10_000
_UNIQUE_RANGE = "uq_highlights_author_range"


@dataclass(frozen=True, slots=True)
class HighlightChange:
    """What an update changes: None leaves a field as it is; `set_note` with `note=None`
    removes the note."""

    start_offset: int | None = None
    end_offset: int | None = None
    color: HighlightColor | None = None
    note: str | None = None
    set_note: bool = False


def highlight_not_found() -> NexusError:
    """The one answer for a highlight that is missing or that the viewer may not change."""
    return NexusError(ErrorCode.E_HIGHLIGHT_NOT_FOUND, "Highlight not found.")


def _conflict() -> NexusError:
    return NexusError(
        ErrorCode.E_HIGHLIGHT_CONFLICT, "You already highlighted exactly this range here."
    )


def _checked_note(note: str | None) -> str | None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise NexusError(
            ErrorCode.E_INVALID_REQUEST,
            f"A note has at most {MAX_NOTE_LENGTH:,} characters, not {len(note):,}.",
        )
    if note is not None and "\x00" in note:  # JSON allows it; PostgreSQL text cannot hold it
        raise NexusError(ErrorCode.E_INVALID_REQUEST, "A note cannot contain U+0000.")
    return note or None


def _check_range(start: int, end: int, length: int) -> None:
    if not 0 <= start < end <= length:
        raise NexusError(
            ErrorCode.E_HIGHLIGHT_INVALID_RANGE,
            f"A range must satisfy 0 <= start < end <= {length} (the text's length in code "
            f"points), not [{start}, {end}).",
        )


def _constraint_name(error: IntegrityError) -> str | None:
    name: str | None = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    return name


def _require_highlightable(found: ResultRow) -> None:
    if not found.can_highlight:
        raise NexusError(
            ErrorCode.E_MEDIA_NOT_READY, "This media item cannot be highlighted (yet)."
        )


async def _row(session: AsyncSession, highlight_id: UUID) -> ResultRow:
    statement = highlight_rows().where(highlights.c.id == highlight_id)
    row: ResultRow = (await session.execute(statement)).one()
    return row


async def create_highlight(
    *,
    session: AsyncSession,
    viewer_id: UUID,
    fragment_id: UUID,
    start_offset: int,
    end_offset: int,
    color: HighlightColor = HighlightColor.YELLOW,
    note: str | None = None,
) -> ResultRow:
    """The viewer's new highlight of [start_offset, end_offset) of the fragment."""
    note = _checked_note(note)
    can_highlight = capability_expressions(viewer_id, media.c)["can_highlight"]
    found = (
        await session.execute(
            select(fragments.c.canonical_text, can_highlight.label("can_highlight"))
            .join_from(fragments, media, media.c.id == fragments.c.media_id)
            .where(fragments.c.id == fragment_id, can_read_media(viewer_id, media.c.id))
            # The fragment stays until the highlight is in (its deletion would wait).
            .with_for_update(of=fragments, key_share=True)
        )
    ).first()
    if found is None:
        raise media_not_found()
    _require_highlightable(found)
    _check_range(start_offset, end_offset, len(found.canonical_text))
    inserted = await session.execute(
        insert(highlights)
        .values(
            fragment_id=fragment_id,
            author_user_id=viewer_id,
            start_offset=start_offset,
            end_offset=end_offset,
            color=color.value,
            note=note,
        )
        .on_conflict_do_nothing(constraint=_UNIQUE_RANGE)
        .returning(highlights.c.id)
    )
    highlight_id = inserted.scalar_one_or_none()
    if highlight_id is None:
        raise _conflict()
    return await _row(session, highlight_id)


async def update_highlight(
    *, session: AsyncSession, viewer_id: UUID, highlight_id: UUID, change: HighlightChange
) -> ResultRow:
    """The viewer's highlight with `change` applied, under the rules of creation for what
    it changes (range, note); its `updated_at` moves when anything is given."""
    note = _checked_note(change.note) if change.set_note else None
    can_highlight = capability_expressions(viewer_id, media.c)["can_highlight"]
    found = (
        await session.execute(
            select(
                highlights.c.start_offset,
                highlights.c.end_offset,
                fragments.c.canonical_text,
                can_highlight.label("can_highlight"),
            )
            .join_from(highlights, fragments, fragments.c.id == highlights.c.fragment_id)
            .join(media, media.c.id == fragments.c.media_id)
            .where(
                highlights.c.id == highlight_id,
                highlights.c.author_user_id == viewer_id,
                can_read_media(viewer_id, media.c.id),
            )
            .with_for_update(of=highlights)
        )
    ).first()
    if found is None:
        raise highlight_not_found()
    values: dict[str, Any] = {}
    if change.start_offset is not None or change.end_offset is not None:
        _require_highlightable(found)
        start = found.start_offset if change.start_offset is None else change.start_offset
        end = found.end_offset if change.end_offset is None else change.end_offset
        _check_range(start, end, len(found.canonical_text))
        values.update(start_offset=start, end_offset=end)
    if change.color is not None:
        values["color"] = change.color.value
    if change.set_note:
        values["note"] = note
    if values:
        statement = (
            update(highlights)
            .where(highlights.c.id == highlight_id)
            .values(**values, updated_at=func.now())
        )
        try:
            async with session.begin_nested():
                await session.execute(statement)
        except IntegrityError as error:
            # Another of the author's highlights has exactly the new range.
            if _constraint_name(error) == _UNIQUE_RANGE:
                raise _conflict() from None
            raise
    return await _row(session, highlight_id)


async def delete_highlight(*, session: AsyncSession, viewer_id: UUID, highlight_id: UUID) -> None:
    """Delete the viewer's highlight (E_HIGHLIGHT_NOT_FOUND unless theirs and readable)."""
    deleted = await session.execute(
        delete(highlights)
        .where(
            highlights.c.id == highlight_id,
            highlights.c.author_user_id == viewer_id,
            fragments.c.id == highlights.c.fragment_id,
            can_read_media(viewer_id, fragments.c.media_id),
        )
        .returning(highlights.c.id)
    )
    if deleted.first() is None:
        raise highlight_not_found()
