"""Users by id: those a viewer may look up, and those reached through a visible object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select

from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_statement
from nexus.db.tables import users
from nexus.services.visibility import ViewerId, can_see_user

__all__ = ["get_users", "get_visible_users", "user_rows", "visible_users"]


def user_rows() -> Select[Any]:
    """Every user, unchecked: for users reached through an object the viewer may see."""
    return select(users.c.id, users.c.created_at)


def visible_users(viewer_id: ViewerId) -> Select[Any]:
    """The users the viewer may see: themselves and anyone who shares a library with them."""
    return user_rows().where(can_see_user(viewer_id, users.c.id))


async def get_users(
    *, connection: DriverConnection, user_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """Users by id, unchecked: for users reached through an object the viewer may see
    (a library's owner, a membership's user), who are visible by construction."""
    statement = user_rows().where(users.c.id.in_(user_ids))
    return {row.id: row for row in await fetch_statement(connection, statement)}


async def get_visible_users(
    *, connection: DriverConnection, viewer_id: UUID, user_ids: Sequence[UUID]
) -> dict[UUID, Record]:
    """The users among `user_ids` the viewer may see: themselves and anyone who shares a
    library with them."""
    statement = visible_users(viewer_id).where(users.c.id.in_(user_ids))
    return {row.id: row for row in await fetch_statement(connection, statement)}
