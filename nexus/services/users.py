"""Users: created lazily on their first authenticated request, with their default library."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from nexus.db.engine import Database
from nexus.errors import ErrorCode, NexusError

__all__ = [
    "DEFAULT_LIBRARY_NAME",
    "EnsuredUsers",
    "ensure_user_and_default_library",
    "get_user",
]

DEFAULT_LIBRARY_NAME = "My Library"

_INSERT_USER = text("INSERT INTO users (id) VALUES (:user_id) ON CONFLICT DO NOTHING")
_INSERT_DEFAULT_LIBRARY = text(
    "INSERT INTO libraries (owner_user_id, name, is_default) VALUES (:user_id, :name, true) "
    "ON CONFLICT (owner_user_id) WHERE is_default DO NOTHING RETURNING id"
)
_SELECT_DEFAULT_LIBRARY = text(
    "SELECT id FROM libraries WHERE owner_user_id = :user_id AND is_default"
)
_INSERT_OWNER_MEMBERSHIP = text(
    "INSERT INTO memberships (library_id, user_id, role) VALUES (:library_id, :user_id, 'admin') "
    "ON CONFLICT (library_id, user_id) DO NOTHING"
)


async def ensure_user_and_default_library(*, session: AsyncSession, user_id: UUID) -> UUID:
    """Make sure the user, their default library `My Library` and their admin membership
    exist; returns the default library's id.

    Race-safe: concurrent first requests of one user meet on the unique constraints
    (ON CONFLICT DO NOTHING), and the loser re-selects the winner's library. A missing
    owner membership is repaired.
    """
    await session.execute(_INSERT_USER, {"user_id": user_id})
    library_id = (
        await session.execute(
            _INSERT_DEFAULT_LIBRARY, {"user_id": user_id, "name": DEFAULT_LIBRARY_NAME}
        )
    ).scalar_one_or_none()
    if library_id is None:
        library_id = (
            await session.execute(_SELECT_DEFAULT_LIBRARY, {"user_id": user_id})
        ).scalar_one()
    await session.execute(_INSERT_OWNER_MEMBERSHIP, {"library_id": library_id, "user_id": user_id})
    return library_id


class EnsuredUsers:
    """The user ids this process has already ensured (bounded), so a known user's
    request costs no round trip for identity."""

    def __init__(self, database: Database, *, size: int = 10_000) -> None:
        self.database = database
        self.size = size
        self._known: OrderedDict[UUID, None] = OrderedDict()

    async def __call__(self, user_id: UUID) -> None:
        if user_id in self._known:
            self._known.move_to_end(user_id)
            return
        async with self.database.transaction() as session:
            await ensure_user_and_default_library(session=session, user_id=user_id)
        self._known[user_id] = None
        if len(self._known) > self.size:
            self._known.popitem(last=False)

    def forget(self) -> None:
        self._known.clear()


_SELECT_USER = text("SELECT id, created_at FROM users WHERE id = :user_id")


async def get_user(*, connection: AsyncConnection, user_id: UUID) -> Row[Any]:
    """The user row; E_NOT_FOUND when no such user has signed in."""
    row = (await connection.execute(_SELECT_USER, {"user_id": user_id})).one_or_none()
    if row is None:
        raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
    return row
