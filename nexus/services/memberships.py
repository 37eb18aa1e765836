"""Memberships: who belongs to a library with which role, and changing that.

Rules (domain.md): only admins manage members, except that any member may leave; every
library keeps at least one admin (E_LAST_ADMIN_FORBIDDEN, checked first); the owner's
membership is never removed nor demoted (E_FORBIDDEN); a new member must be a user who
has signed in (E_NOT_FOUND), a default library is never shared, adding an existing member
returns the membership unchanged, and a new member's default library receives every
media of the library. Each change holds the library row `FOR UPDATE` (see
`library_access`), so concurrent changes of one library happen one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, delete, exists, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_statement
from nexus.db.tables import libraries, library_media, memberships, users
from nexus.errors import ErrorCode, NexusError
from nexus.services.library_access import LockedLibrary, LockMode, lock_library
from nexus.services.pagination import Page, PagedList, PageRequest, load_pages
from nexus.services.visibility import VIEWER, ViewerId, is_member

__all__ = [
    "Role",
    "add_member",
    "get_memberships",
    "list_member_pages_by_library",
    "members_of_library",
    "remove_member",
    "update_member_role",
    "visible_memberships",
]


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


MEMBERSHIP_COLUMNS = (
    memberships.c.library_id,
    memberships.c.user_id,
    memberships.c.role,
    memberships.c.created_at,
)


def visible_memberships(viewer_id: ViewerId) -> Select[Any]:
    """The memberships of the libraries the viewer is a member of."""
    return select(*MEMBERSHIP_COLUMNS).where(is_member(viewer_id, memberships.c.library_id))


async def get_memberships(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    keys: Sequence[tuple[UUID, UUID]],
) -> dict[tuple[UUID, UUID], Record]:
    """The memberships among `keys` ((library id, user id) pairs) of libraries the viewer
    is a member of, by key."""
    statement = visible_memberships(viewer_id).where(
        tuple_(memberships.c.library_id, memberships.c.user_id).in_(keys)
    )
    rows = await fetch_statement(connection, statement)
    return {(row.library_id, row.user_id): row for row in rows}


def members_of_library(viewer_id: ViewerId) -> PagedList:
    """Per library the viewer is a member of, its memberships by created_at asc, then user
    id asc."""

    def rows(library_id: ColumnElement[UUID]) -> Select[Any]:
        return select(*MEMBERSHIP_COLUMNS).where(
            memberships.c.library_id == library_id, is_member(viewer_id, library_id)
        )

    return PagedList(
        rows=rows,
        members=rows,
        key=(memberships.c.created_at, memberships.c.user_id),
        descending=False,
    )


_MEMBERS_OF_LIBRARY = members_of_library(VIEWER)


async def list_member_pages_by_library(
    *,
    connection: DriverConnection,
    viewer_id: UUID,
    library_ids: Sequence[UUID],
    request: PageRequest,
) -> dict[UUID, Page]:
    """Per library the viewer is a member of, its memberships by created_at asc, then
    user id asc (an empty page for any other library)."""
    return await load_pages(
        connection, _MEMBERS_OF_LIBRARY, library_ids, request, viewer_id=viewer_id
    )


def _not_a_member() -> NexusError:
    return NexusError(ErrorCode.E_NOT_FOUND, "That user is not a member of this library.")


async def _membership(session: AsyncSession, library_id: UUID, user_id: UUID) -> ResultRow:
    statement = select(*MEMBERSHIP_COLUMNS).where(
        memberships.c.library_id == library_id, memberships.c.user_id == user_id
    )
    return (await session.execute(statement)).one()


async def add_member(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, user_id: UUID, role: Role
) -> ResultRow:
    """Add a user who has signed in to a library the viewer administers, and put every
    media of the library into the new member's default library. An existing member's
    membership is returned unchanged (whatever `role` says)."""
    locked = await lock_library(
        session=session,
        viewer_id=viewer_id,
        library_id=library_id,
        mode=LockMode.EXCLUSIVE,
        target_user_id=user_id,
    )
    locked.require_admin()
    if locked.target_role is not None:
        return await _membership(session, library_id, user_id)
    if locked.library.is_default:
        raise NexusError(
            ErrorCode.E_DEFAULT_LIBRARY_FORBIDDEN, "A default library cannot be shared."
        )
    user_exists = await session.execute(select(exists().where(users.c.id == user_id)))
    if not user_exists.scalar_one():
        raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
    added = await session.execute(
        insert(memberships)
        .values(library_id=library_id, user_id=user_id, role=role.value)
        .returning(*MEMBERSHIP_COLUMNS)
    )
    membership = added.one()
    default_library = (
        select(libraries.c.id)
        .where(libraries.c.owner_user_id == user_id, libraries.c.is_default)
        .scalar_subquery()
    )
    closure = (
        select(default_library, library_media.c.media_id)
        .where(library_media.c.library_id == library_id)
        .order_by(library_media.c.media_id)
    )
    await session.execute(
        insert(library_media)
        .from_select(["library_id", "media_id"], closure)
        .on_conflict_do_nothing()
    )
    return membership


def _check_admins_remain(locked: LockedLibrary, owner_id: UUID, user_id: UUID) -> None:
    """The two rules of taking a member's admin rights away, in the order domain.md
    gives them: the last admin stays, then the owner stays an admin."""
    if locked.target_role == Role.ADMIN and locked.admin_count <= 1:
        raise NexusError(
            ErrorCode.E_LAST_ADMIN_FORBIDDEN, "A library must keep at least one admin."
        )
    if user_id == owner_id:
        raise NexusError(
            ErrorCode.E_FORBIDDEN, "The owner's membership cannot be removed or demoted."
        )


async def update_member_role(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, user_id: UUID, role: Role
) -> ResultRow:
    """Promote or demote a member of a library the viewer administers."""
    locked = await lock_library(
        session=session,
        viewer_id=viewer_id,
        library_id=library_id,
        mode=LockMode.EXCLUSIVE,
        target_user_id=user_id,
    )
    locked.require_admin()
    if locked.target_role is None:
        raise _not_a_member()
    if locked.target_role == role:
        return await _membership(session, library_id, user_id)
    if role == Role.MEMBER:
        _check_admins_remain(locked, locked.library.owner_user_id, user_id)
    updated = await session.execute(
        update(memberships)
        .where(memberships.c.library_id == library_id, memberships.c.user_id == user_id)
        .values(role=role.value)
        .returning(*MEMBERSHIP_COLUMNS)
    )
    return updated.one()


async def remove_member(
    *, session: AsyncSession, viewer_id: UUID, library_id: UUID, user_id: UUID
) -> ResultRow:
    """Remove a member (an admin may remove anyone; any member may remove themselves).
    Their default library keeps what it holds. Returns the library as it was."""
    locked = await lock_library(
        session=session,
        viewer_id=viewer_id,
        library_id=library_id,
        mode=LockMode.EXCLUSIVE,
        target_user_id=user_id,
    )
    if user_id != viewer_id:
        locked.require_admin()
    if locked.target_role is None:
        raise _not_a_member()
    _check_admins_remain(locked, locked.library.owner_user_id, user_id)
    await session.execute(
        delete(memberships).where(
            memberships.c.library_id == library_id, memberships.c.user_id == user_id
        )
    )
    return locked.library
