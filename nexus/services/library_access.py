"""The first step of every change to a library: lock its row, then read the facts.

Changes to one library's members, media or name are serialized on the library row:
`FOR UPDATE` for membership and library changes, `FOR SHARE` for media changes (two media
adds may run at once, but not beside a new member, whose default library must receive
every media of the library). The facts (roles, admin count) are read by a second
statement, after the lock is held: under READ COMMITTED a statement that waited for a
lock still returns the rows of the snapshot it started with, and two admins demoting each
other would each see the other as still an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.tables import libraries, memberships
from nexus.errors import ErrorCode, NexusError
from nexus.services.visibility import is_member, viewer_memberships

__all__ = ["LIBRARY_COLUMNS", "LockMode", "LockedLibrary", "library_not_found", "lock_library"]

LIBRARY_COLUMNS = (
    libraries.c.id,
    libraries.c.owner_user_id,
    libraries.c.name,
    libraries.c.is_default,
    libraries.c.created_at,
    libraries.c.updated_at,
)


class LockMode(Enum):
    """How a change holds the library row until its transaction ends."""

    SHARE = "share"
    EXCLUSIVE = "exclusive"


@dataclass(frozen=True, slots=True)
class LockedLibrary:
    """A library locked for a change by the viewer, with the facts its rules need."""

    library: ResultRow  # LIBRARY_COLUMNS and viewer_role
    admin_count: int
    target_role: str | None  # the role of `target_user_id`, None when not a member

    @property
    def viewer_is_admin(self) -> bool:
        return bool(self.library.viewer_role == "admin")

    def require_admin(self) -> None:
        """Only admins change a library: E_FORBIDDEN for any other member."""
        if not self.viewer_is_admin:
            raise NexusError(ErrorCode.E_FORBIDDEN, "Only an admin of the library can do this.")


def library_not_found() -> NexusError:
    """The one answer for a library that is missing or not the viewer's: it leaks nothing."""
    return NexusError(ErrorCode.E_LIBRARY_NOT_FOUND, "Library not found.")


async def lock_library(
    *,
    session: AsyncSession,
    viewer_id: UUID,
    library_id: UUID,
    mode: LockMode,
    target_user_id: UUID | None = None,
) -> LockedLibrary:
    """Lock a library the viewer is a member of and read the facts after the lock.

    E_LIBRARY_NOT_FOUND when it does not exist or the viewer is not a member (a
    non-member never takes the lock, so waiting on it reveals nothing either).
    """
    lock = (
        select(libraries.c.id)
        .where(libraries.c.id == library_id, is_member(viewer_id, libraries.c.id))
        .with_for_update(read=mode is LockMode.SHARE, of=libraries)
    )
    if (await session.execute(lock)).first() is None:
        raise library_not_found()
    mine = viewer_memberships(viewer_id)
    target = memberships.alias("target")
    admins = memberships.alias("admins")
    admin_count = (
        select(func.count())
        .where(admins.c.library_id == libraries.c.id, admins.c.role == "admin")
        .scalar_subquery()
    )
    target_role = (
        select(target.c.role)
        .where(target.c.library_id == libraries.c.id, target.c.user_id == target_user_id)
        .scalar_subquery()
        if target_user_id is not None
        else literal(None)
    )
    facts = (
        select(
            *LIBRARY_COLUMNS,
            mine.c.role.label("viewer_role"),
            admin_count.label("admin_count"),
            target_role.label("target_role"),
        )
        .join_from(libraries, mine, mine.c.library_id == libraries.c.id)
        .where(libraries.c.id == library_id)
    )
    row = (await session.execute(facts)).first()
    if row is None:  # the viewer was removed while this change waited for the lock
        raise library_not_found()
    return LockedLibrary(library=row, admin_count=row.admin_count, target_role=row.target_role)
