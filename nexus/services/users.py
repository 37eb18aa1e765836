"""Users: created lazily on their first authenticated request, with their default library."""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from typing import Any
from uuid import UUID

from sqlalchemy import Row, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from nexus.db.engine import Database
from nexus.db.tables import libraries, memberships, users
from nexus.errors import ErrorCode, NexusError

__all__ = [
    "DEFAULT_LIBRARY_NAME",
    "EnsuredUsers",
    "ensure_user_and_default_library",
    "get_user",
    "is_ensured",
]

DEFAULT_LIBRARY_NAME = "My Library"


async def ensure_user_and_default_library(*, session: AsyncSession, user_id: UUID) -> UUID:
    """Make sure the user, their default library `My Library` and their admin membership
    exist; returns the default library's id.

    Race-safe: concurrent first requests of one user meet on the unique constraints
    (ON CONFLICT DO NOTHING), and the loser re-selects the winner's library. A missing
    owner membership is repaired.
    """
    await session.execute(
        insert(users).values(id=user_id).on_conflict_do_nothing(index_elements=[users.c.id])
    )
    library_id: UUID | None = (
        await session.execute(
            insert(libraries)
            .values(owner_user_id=user_id, name=DEFAULT_LIBRARY_NAME, is_default=True)
            .on_conflict_do_nothing(
                index_elements=[libraries.c.owner_user_id], index_where=libraries.c.is_default
            )
            .returning(libraries.c.id)
        )
    ).scalar_one_or_none()
    if library_id is None:
        # Lost the race (or already there): the winner's row is committed by now.
        library_id = (
            await session.execute(
                select(libraries.c.id).where(
                    libraries.c.owner_user_id == user_id, libraries.c.is_default
                )
            )
        ).scalar_one()
    await session.execute(
        insert(memberships)
        .values(library_id=library_id, user_id=user_id, role="admin")
        .on_conflict_do_nothing(index_elements=[memberships.c.library_id, memberships.c.user_id])
    )
    return library_id


async def is_ensured(*, connection: AsyncConnection, user_id: UUID) -> bool:
    """The user exists with their default library and is its admin: what
    `ensure_user_and_default_library` makes sure of, read in one statement."""
    statement = select(
        exists().where(
            libraries.c.owner_user_id == user_id,
            libraries.c.is_default,
            memberships.c.library_id == libraries.c.id,
            memberships.c.user_id == user_id,
            memberships.c.role == "admin",
        )
    )
    return bool((await connection.execute(statement)).scalar())


class EnsuredUsers:
    """The user ids this process has already ensured (least recently seen dropped past
    `size`), so a known user's request costs no round trip for identity. A process
    ensures each user once; a user deleted since (their libraries and memberships go
    with them) is noticed when an operation of theirs fails, and `recover` ensures them
    again.

    A user this process has not seen yet is first looked up (one read): every worker
    meets every active user after each start, and only a user who is really new (or
    needs a repair) pays for the writing transaction."""

    def __init__(self, database: Database, *, size: int = 10_000) -> None:
        self.database = database
        self.size = size
        # When each was last ensured (time.monotonic()), for `recover`.
        self._known: OrderedDict[UUID, float] = OrderedDict()
        self._recovering = asyncio.Lock()

    async def __call__(self, user_id: UUID) -> None:
        if user_id in self._known:
            self._known.move_to_end(user_id)
            return
        async with self.database.connection() as connection:
            ensured = await is_ensured(connection=connection, user_id=user_id)
        if not ensured:
            async with self.database.transaction() as session:
                await ensure_user_and_default_library(session=session, user_id=user_id)
        self._remember(user_id)

    async def recover(self, user_id: UUID, *, failed_since: float) -> bool:
        """After an operation of `user_id` begun at `failed_since` (`time.monotonic()`)
        failed unexpectedly: look whether the user is still ensured (one read, on that
        failure path only) and, when not (deleted since this process met them, or their
        admin membership lost), ensure them again as on a first request. True when the
        user was re-created, here or by a concurrent request since the operation began:
        the failure may have been their absence."""
        # One recovery at a time: one that has committed has also stamped its time when
        # a concurrent one looks, so that one knows to run its operation again.
        async with self._recovering:
            async with self.database.connection() as connection:
                if await is_ensured(connection=connection, user_id=user_id):
                    return self._known.get(user_id, -math.inf) > failed_since
            async with self.database.transaction() as session:
                await ensure_user_and_default_library(session=session, user_id=user_id)
            self._remember(user_id)
            return True

    def _remember(self, user_id: UUID) -> None:
        self._known[user_id] = time.monotonic()
        self._known.move_to_end(user_id)
        if len(self._known) > self.size:
            self._known.popitem(last=False)


async def get_user(*, connection: AsyncConnection, user_id: UUID) -> Row[Any, Any]:
    """The user row; E_NOT_FOUND when no such user has signed in."""
    row = (
        await connection.execute(
            select(users.c.id, users.c.created_at).where(users.c.id == user_id)
        )
    ).one_or_none()
    if row is None:
        raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
    return row
