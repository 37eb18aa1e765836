"""The Viewer type: the authenticated caller."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from nexus.graphql import cursors
from nexus.graphql.context import Context
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.libraries import DefaultLibraryByViewerLoader, LibraryPageByViewerLoader
from nexus.graphql.loaders.users import UserByIdLoader
from nexus.graphql.pagination import After, First, page_request
from nexus.graphql.types.library import Library, LibraryConnection, library_connection
from nexus.graphql.types.user import User

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
        row = await loader(info.context, UserByIdLoader).load(info.context.viewer_id)
        if row is None:  # identity ensures the viewer's row before any operation runs
            raise RuntimeError("the viewer's user row is missing")
        return User.from_row(row)

    @strawberry.field(
        description=(
            "The viewer's default library (`My Library`): it holds every media item of every "
            "library the viewer belongs to."
        )
    )
    async def default_library(self, info: Info[Context, None]) -> Library:
        row = await loader(info.context, DefaultLibraryByViewerLoader).load(info.context.viewer_id)
        return Library.from_row(row)

    @strawberry.field(
        description=(
            "The libraries the viewer is a member of, ordered by createdAt asc, then id asc. "
            "Page size 0 to 200, default 100."
        )
    )
    async def libraries(
        self, info: Info[Context, None], first: First = 100, after: After = strawberry.UNSET
    ) -> LibraryConnection:
        request = page_request(info, first, after, cursors.LIBRARIES)
        page = await loader(info.context, LibraryPageByViewerLoader).load(
            (info.context.viewer_id, request)
        )
        return library_connection(page)
