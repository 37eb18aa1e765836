"""The Viewer type: the authenticated caller."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from nexus.graphql.context import Context
from nexus.graphql.types.user import User
from nexus.services import users

__all__ = ["Viewer"]


@strawberry.type(
    description=(
        "The authenticated caller. Reading it creates the user and the default library "
        "on first use."
    )
)
class Viewer:
    @strawberry.field(description="The caller as a User.")
    async def user(self, info: Info[Context, None]) -> User:
        context = info.context
        async with context.database.connection() as connection:
            row = await users.get_user(connection=connection, user_id=context.viewer_id)
        return User(uuid=row.id, created_at=row.created_at)
