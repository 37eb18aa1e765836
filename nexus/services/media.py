"""Media and their fragments: reading what the viewer may read, and adding media to and
removing them from libraries, with the default library closure (domain.md).

Closure: for every library L and member U of L, every media of L is in U's default
library. Adding M to L adds it to every member's default library in the same statement;
removing M from the viewer's default library also removes it from the libraries the
viewer owns alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    delete,
    exists,
    literal,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_cached, fetch_statement
from nexus.db.tables import fragment_json, fragments, libraries, library_media, media, memberships
from nexus.errors import ErrorCode, NexusError
from nexus.services.by_ids import by_ids, ids_values
from nexus.services.library_access import LockMode, lock_library
from nexus.services.pagination import Page, PagedList, PageRequest, load_pages
from nexus.services.visibility import VIEWER, ViewerId, can_read_media, is_member

__all__ = [
    "FRAGMENTS_OF_MEDIA",
    "MEDIA_COLUMNS",
    "MediaKind",
    "ProcessingStatus",
    "add_media_to_library",
    "get_fragments",
    "get_media",
    "list_fragment_pages_by_media",
    "list_media_pages_by_library",
    "media_not_found",
    "media_of_library",
    "readable_fragments",
    "readable_media",
    "remove_media_from_library",
    "stored_fragment_json",
]


class MediaKind(StrEnum):
    WEB_ARTICLE = "web_article"
    EPUB = "epub"
    PDF = "pdf"
    VIDEO = "video"
    PODCAST_EPISODE = "podcast_episode"


class ProcessingStatus(StrEnum):
    PENDING = "pending"
    EXTRACTING = "extracting"
    READY_FOR_READING = "ready_for_reading"
    EMBEDDING = "embedding"
    READY = "ready"
    FAILED = "failed"


MEDIA_COLUMNS = (
    media.c.id,
    media.c.kind,
    media.c.title,
    media.c.canonical_source_url,
    media.c.processing_status,
    media.c.created_at,
    media.c.updated_at,
    media.c.requested_url,
    media.c.created_by_user_id,
    media.c.author,
    media.c.site_name,
    media.c.published_at,
    media.c.language,
    media.c.excerpt,
    media.c.word_count,
    media.c.processing_attempts,
    media.c.processing_error_code,
    media.c.processing_error_message,
)
FRAGMENT_COLUMNS = (
    fragments.c.id,
    fragments.c.media_id,
    fragments.c.idx,
    fragments.c.canonical_text,
    fragments.c.html_sanitized,
    fragments.c.created_at,
)


def stored_fragment_json(column: str, fragment_id: ColumnElement[UUID]) -> ScalarSelect[Any]:
    """The fragment's text column (`html_sanitized`, `canonical_text`) as a JSON string,
    as `fragment_json` keeps it (migration 0003); null where no copy is kept."""
    stored = fragment_json.c[column]
    return select(stored).where(fragment_json.c.fragment_id == fragment_id).scalar_subquery()


def media_not_found() -> NexusError:
    """The one answer for media that is missing or unreadable: it leaks nothing."""
    return NexusError(ErrorCode.E_MEDIA_NOT_FOUND, "Media not found.")


def readable_media(viewer_id: ViewerId) -> Select[Any]:
    """The media the viewer can read."""
    return select(*MEDIA_COLUMNS).where(can_read_media(viewer_id, media.c.id))


def readable_fragments(viewer_id: ViewerId) -> Select[Any]:
    """The fragments whose media the viewer can read."""
    return select(*FRAGMENT_COLUMNS).where(can_read_media(viewer_id, fragments.c.media_id))


async def get_media(
    *, connection: DriverConnection, viewer_id: UUID, media_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The media among `media_ids` that the viewer can read, by id."""
    rows = await fetch_cached(
        connection,
        ("media_by_id", len(media_ids) > 1),
        lambda: readable_media(VIEWER).where(by_ids(media.c.id, len(media_ids))),
        {"viewer_id": viewer_id, **ids_values(media_ids)},
    )
    return {row.id: row for row in rows}


async def get_fragments(
    *, connection: DriverConnection, viewer_id: UUID, fragment_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The fragments among `fragment_ids` whose media the viewer can read, by id."""
    statement = readable_fragments(viewer_id).where(fragments.c.id.in_(fragment_ids))
    return {row.id: row for row in await fetch_statement(connection, statement)}


def media_of_library(viewer_id: ViewerId) -> PagedList:
    """Per library, its media by the time they were added (desc), then media id desc;
    rows carry `added_at`."""

    # The parent's membership check is one primary-key probe per library: it keeps a
    # library object that outlived the viewer's membership (a "leave" payload) empty.
    def rows(library_id: ColumnElement[UUID]) -> Select[Any]:
        return (
            select(*MEDIA_COLUMNS, library_media.c.created_at.label("added_at"))
            .join_from(library_media, media, media.c.id == library_media.c.media_id)
            .where(library_media.c.library_id == library_id, is_member(viewer_id, library_id))
        )

    def members(library_id: ColumnElement[UUID]) -> Select[Any]:
        return select(library_media.c.media_id).where(
            library_media.c.library_id == library_id, is_member(viewer_id, library_id)
        )

    return PagedList(
        rows=rows,
        members=members,
        key=(library_media.c.created_at, library_media.c.media_id),
        descending=True,
    )


_MEDIA_OF_LIBRARY = media_of_library(VIEWER)


async def list_media_pages_by_library(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    library_ids: Sequence[UUID],
    request: PageRequest,
) -> dict[UUID, Page]:
    """Per library, its media by the time they were added (desc), then media id desc.
    Rows carry `added_at`."""
    return await load_pages(
        connection, _MEDIA_OF_LIBRARY, library_ids, request, viewer_id=viewer_id
    )


# The parents are media the viewer was allowed to read (a Media object is only ever made
# from a readable row), so their fragments need no second check.
FRAGMENTS_OF_MEDIA = PagedList(
    rows=lambda media_id: select(*FRAGMENT_COLUMNS).where(fragments.c.media_id == media_id),
    members=lambda media_id: select(fragments.c.id).where(fragments.c.media_id == media_id),
    key=(fragments.c.idx,),
    descending=False,
)


async def list_fragment_pages_by_media(
    *, connection: DriverConnection, media_ids: Sequence[UUID], request: PageRequest
) -> dict[UUID, Page]:
    """Per (readable) media, its fragments by idx asc."""
    return await load_pages(connection, FRAGMENTS_OF_MEDIA, media_ids, request)


async def add_media_to_library(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, media_id: UUID
) -> tuple[ResultRow, ResultRow, datetime]:
    """Add any existing media to a library the viewer administers, and to the default
    library of every member of it. Idempotent: the first addedAt stays.

    Returns the library, the media and when the media was added to the library.
    """
    locked = await lock_library(
        session=session, viewer_id=viewer_id, library_id=library_id, mode=LockMode.SHARE
    )
    locked.require_admin()
    media_row = (
        await session.execute(select(*MEDIA_COLUMNS).where(media.c.id == media_id))
    ).first()
    if media_row is None:
        raise media_not_found()
    default_libraries_of_members = (
        select(libraries.c.id)
        .join_from(memberships, libraries, libraries.c.owner_user_id == memberships.c.user_id)
        .where(memberships.c.library_id == library_id, libraries.c.is_default)
    )
    targets = union(select(literal(library_id)), default_libraries_of_members).subquery()
    # One order of inserts for every transaction, so two concurrent adds that meet on the
    # same default libraries wait for each other instead of deadlocking.
    statement = (
        insert(library_media)
        .from_select(
            ["library_id", "media_id"],
            select(targets.c[0], literal(media_id)).order_by(targets.c[0]),
        )
        .on_conflict_do_nothing()
        .returning(library_media.c.library_id, library_media.c.created_at)
    )
    inserted = {row.library_id: row.created_at for row in await session.execute(statement)}
    added_at = inserted.get(library_id)
    if added_at is None:  # it was there already: the first addedAt stays
        existing = select(library_media.c.created_at).where(
            library_media.c.library_id == library_id, library_media.c.media_id == media_id
        )
        added_at = (await session.execute(existing)).scalar_one()
    return locked.library, media_row, added_at


async def remove_media_from_library(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, media_id: UUID
) -> ResultRow:
    """Remove media from a library the viewer administers (E_MEDIA_NOT_FOUND when it is
    not in it). From the viewer's default library, it also leaves every library the
    viewer owns and is the only member of; libraries with other members keep it.

    Returns the library.
    """
    locked = await lock_library(
        session=session, viewer_id=viewer_id, library_id=library_id, mode=LockMode.SHARE
    )
    locked.require_admin()
    removed = await session.execute(
        delete(library_media)
        .where(library_media.c.library_id == library_id, library_media.c.media_id == media_id)
        .returning(library_media.c.media_id)
    )
    if removed.first() is None:
        raise media_not_found()
    if locked.library.is_default:
        others = memberships.alias("others")
        owned_alone = and_(
            libraries.c.id == library_media.c.library_id,
            libraries.c.owner_user_id == viewer_id,
            ~libraries.c.is_default,
            ~exists().where(others.c.library_id == libraries.c.id, others.c.user_id != viewer_id),
        )
        await session.execute(
            delete(library_media).where(library_media.c.media_id == media_id, owned_alone)
        )
    return locked.library
