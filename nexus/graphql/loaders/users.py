"""Loaders of users: reached through a visible object, or looked up by the viewer."""

from __future__ import annotations

from uuid import UUID

from nexus.db.engine import DriverConnection, Record
from nexus.graphql.loaders.base import ContextLoader
from nexus.services import user_directory

__all__ = ["UserByIdLoader", "VisibleUserByIdLoader"]


class UserByIdLoader(ContextLoader[UUID, Record | None]):
    """Users by id, for users reached through an object the viewer sees (a library's
    owner, a membership's user): visible by construction."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await user_directory.get_users(connection=connection, user_ids=keys)
        return [rows.get(key) for key in keys]


class VisibleUserByIdLoader(ContextLoader[UUID, Record | None]):
    """Users by id as `node` looks them up: None unless it is the viewer or someone who
    shares a library with them."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await user_directory.get_visible_users(
            connection=connection, viewer_id=self.context.viewer_id, user_ids=keys
        )
        return [rows.get(key) for key in keys]
