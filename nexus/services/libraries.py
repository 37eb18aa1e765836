"""Libraries: reading the viewer's libraries, and creating, renaming and deleting them.

Rules (domain.md): a library exists for a viewer iff they are a member; only admins
change it; a default library is never renamed or deleted; names are trimmed and must then
be 1 to 100 characters without control characters. Every row read here carries the viewer's
role in the library as `viewer_role`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_cached, fetch_statement
from nexus.db.tables import libraries, library_media, memberships
from nexus.errors import ErrorCode, NexusError
from nexus.services.by_ids import by_ids, ids_values
from nexus.services.library_access import LIBRARY_COLUMNS, LockMode, lock_library
from nexus.services.pagination import Page, PagedList, PageRequest, load_pages
from nexus.services.visibility import VIEWER, ViewerId, viewer_memberships

__all__ = [
    "LIBRARIES_OF_MEMBER",
    "MAX_NAME_LENGTH",
    "create_library",
    "default_library",
    "delete_library",
    "get_default_library",
    "get_libraries",
    "libraries_holding",
    "list_library_pages_by_media",
    "list_library_pages_by_member",
    "normalize_library_name",
    "rename_library",
    "visible_libraries",
]

MAX_NAME_LENGTH = 100
# Control characters (Cc) and lone surrogates (Cs, which JSON can smuggle in).
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})


def visible_libraries(viewer_id: ViewerId) -> Select[Any]:
    """The libraries that exist for the viewer, with the viewer's role in each."""
    mine = viewer_memberships(viewer_id)
    return select(*LIBRARY_COLUMNS, mine.c.role.label("viewer_role")).join_from(
        libraries, mine, mine.c.library_id == libraries.c.id
    )


async def get_libraries(
    *, connection: DriverConnection, viewer_id: UUID, library_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The libraries among `library_ids` that the viewer is a member of, by id."""
    rows = await fetch_cached(
        connection,
        ("libraries_by_id", len(library_ids) > 1),
        lambda: visible_libraries(VIEWER).where(by_ids(libraries.c.id, len(library_ids))),
        {"viewer_id": viewer_id, **ids_values(library_ids)},
    )
    return {row.id: row for row in rows}


def default_library(viewer_id: ViewerId) -> Select[Any]:
    """The viewer's default library, with the viewer's role in it."""
    return visible_libraries(viewer_id).where(
        libraries.c.owner_user_id == viewer_id, libraries.c.is_default
    )


async def get_default_library(*, connection: DriverConnection, viewer_id: UUID) -> Record:
    """The viewer's default library (identity made sure it exists before any request)."""
    statement = default_library(viewer_id)
    rows = await fetch_statement(connection, statement)
    if not rows:
        raise NexusError(ErrorCode.E_LIBRARY_NOT_FOUND, "Library not found.")
    return rows[0]


_LIBRARY_ORDER = (libraries.c.created_at, libraries.c.id)

# A member's libraries, ordered by created_at asc, then id asc: the parent is the user
# (in practice only ever the viewer).
LIBRARIES_OF_MEMBER = PagedList(
    rows=visible_libraries,
    members=lambda user_id: visible_libraries(user_id).with_only_columns(libraries.c.id),
    key=_LIBRARY_ORDER,
    descending=False,
)


async def list_library_pages_by_member(
    *, connection: DriverConnection, viewer_id: UUID, request: PageRequest
) -> Page:
    """The viewer's libraries, ordered by created_at asc, then id asc."""
    pages = await load_pages(connection, LIBRARIES_OF_MEMBER, [viewer_id], request)
    return pages.get(viewer_id) or Page()


def libraries_holding(viewer_id: ViewerId) -> PagedList:
    """Per media, the viewer's libraries that hold it, ordered like the viewer's libraries."""

    def holding(media_id: ColumnElement[UUID]) -> ColumnElement[bool]:
        return (
            exists()
            .where(
                library_media.c.library_id == libraries.c.id, library_media.c.media_id == media_id
            )
            .correlate_except(library_media)
        )

    return PagedList(
        rows=lambda media_id: visible_libraries(viewer_id).where(holding(media_id)),
        members=lambda media_id: (
            visible_libraries(viewer_id).with_only_columns(libraries.c.id).where(holding(media_id))
        ),
        key=_LIBRARY_ORDER,
        descending=False,
    )


_LIBRARIES_HOLDING = libraries_holding(VIEWER)


async def list_library_pages_by_media(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    media_ids: Sequence[UUID],
    request: PageRequest,
) -> dict[UUID, Page]:
    """Per media, the viewer's libraries holding it (never anyone else's), in the order of
    the viewer's libraries."""
    return await load_pages(connection, _LIBRARIES_HOLDING, media_ids, request, viewer_id=viewer_id)


def normalize_library_name(name: str) -> str:
    """The name trimmed of surrounding whitespace; E_NAME_INVALID unless it is then
    1 to 100 characters long without control characters."""
    trimmed = name.strip()
    if not 1 <= len(trimmed) <= MAX_NAME_LENGTH:
        raise NexusError(
            ErrorCode.E_NAME_INVALID,
            f"A library name must be 1 to {MAX_NAME_LENGTH} characters long.",
        )
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in trimmed):
        raise NexusError(
            ErrorCode.E_NAME_INVALID, "A library name cannot contain control characters."
        )
    return trimmed


async def create_library(*, session: AsyncSession, viewer_id: UUID, name: str) -> ResultRow:
    """A new library named `name` (normalized), owned by the viewer, who is its admin."""
    name = normalize_library_name(name)
    # One statement: the library and the creator's admin membership.
    created = (
        insert(libraries)
        .values(owner_user_id=viewer_id, name=name)
        .returning(*LIBRARY_COLUMNS)
        .cte("created")
    )
    admin = (
        insert(memberships)
        .from_select(
            ["library_id", "user_id", "role"],
            select(created.c.id, created.c.owner_user_id, literal("admin")),
        )
        .returning(memberships.c.role)
        .cte("admin")
    )
    statement = select(*created.c, admin.c.role.label("viewer_role")).join_from(
        created, admin, true()
    )
    return (await session.execute(statement)).one()


async def rename_library(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, name: str
) -> ResultRow:
    """Rename a library the viewer administers; never a default library."""
    name = normalize_library_name(name)
    locked = await lock_library(
        session=session, viewer_id=viewer_id, library_id=library_id, mode=LockMode.EXCLUSIVE
    )
    locked.require_admin()
    if locked.library.is_default:
        raise NexusError(
            ErrorCode.E_DEFAULT_LIBRARY_FORBIDDEN, "A default library cannot be renamed."
        )
    statement = (
        update(libraries)
        .where(libraries.c.id == library_id)
        .values(name=name, updated_at=func.now())
        .returning(*LIBRARY_COLUMNS, literal(locked.library.viewer_role).label("viewer_role"))
    )
    return (await session.execute(statement)).one()


async def delete_library(*, session: AsyncSession, viewer_id: UUID, library_id: UUID) -> None:
    """Delete a non-default library the viewer administers, with its memberships and
    media links (the media themselves and every default library stay as they are)."""
    locked = await lock_library(
        session=session, viewer_id=viewer_id, library_id=library_id, mode=LockMode.EXCLUSIVE
    )
    locked.require_admin()
    if locked.library.is_default:
        raise NexusError(
            ErrorCode.E_DEFAULT_LIBRARY_FORBIDDEN, "A default library cannot be deleted."
        )
    await session.execute(delete(libraries).where(libraries.c.id == library_id))
