"""The Library type and the connection of libraries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from nexus.db.engine import Record
from nexus.errors import ErrorCode, NexusError
from nexus.graphql import cursors
from nexus.graphql.context import Context
from nexus.graphql.enums import LibraryRole
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.media import MediaPageByLibraryLoader
from nexus.graphql.loaders.memberships import MemberPageByLibraryLoader
from nexus.graphql.loaders.users import UserByIdLoader
from nexus.graphql.pagination import After, First, page_request
from nexus.graphql.types import media as media_types
from nexus.graphql.types import membership as membership_types
from nexus.graphql.types.node import Node
from nexus.graphql.types.page_info import PageInfo, page_info
from nexus.graphql.types.user import User
from nexus.services.pagination import Page

if TYPE_CHECKING:
    from nexus.graphql.types.media import LibraryMediaConnection
    from nexus.graphql.types.membership import MembershipConnection

__all__ = [
    "Library",
    "LibraryConnection",
    "LibraryEdge",
    "library_connection",
    "library_cursor",
]


@strawberry.type(
    description=(
        "A collection of media shared by its members. It exists for a viewer only while "
        "they are a member: otherwise `library`, `node` and every mutation answer "
        "E_LIBRARY_NOT_FOUND."
    )
)
class Library(Node):
    uuid: UUID = strawberry.field(description="The library's id.")
    name: str = strawberry.field(
        description="1 to 100 characters, trimmed. A default library is named `My Library`."
    )
    is_default: bool = strawberry.field(
        description=(
            "True for the owner's default library, which holds every media item of every "
            "library its owner belongs to; it cannot be renamed, deleted or shared."
        )
    )
    viewer_role: LibraryRole = strawberry.field(description="The viewer's role in this library.")
    created_at: datetime = strawberry.field(description="When the library was created.")
    updated_at: datetime = strawberry.field(
        description="When the library itself (its name) last changed."
    )
    owner_user_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Record) -> Library:
        return cls(
            uuid=row.id,
            name=row.name,
            is_default=row.is_default,
            viewer_role=row.viewer_role,
            created_at=row.created_at,
            updated_at=row.updated_at,
            owner_user_id=row.owner_user_id,
        )

    @strawberry.field(description="The global id: base64 of `Library:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Library", self.uuid))

    @strawberry.field(description="The user who created the library; always one of its admins.")
    async def owner(self, info: Info[Context, None]) -> User:
        row = await loader(info.context, UserByIdLoader).load(self.owner_user_id)
        if row is None:  # the owner's row is referenced by a foreign key
            raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
        return User.from_row(row)

    @strawberry.field(
        description=(
            "The members, ordered by when they joined (asc), then user id (asc). Page size "
            "0 to 200, default 100. Empty once the viewer is no longer a member."
        )
    )
    async def members(
        self, info: Info[Context, None], first: First = 100, after: After = strawberry.UNSET
    ) -> Annotated[MembershipConnection, strawberry.lazy("nexus.graphql.types.membership")]:
        request = page_request(info, first, after, cursors.MEMBERS)
        page = await loader(info.context, MemberPageByLibraryLoader).load((self.uuid, request))
        return membership_types.membership_connection(page, self)

    @strawberry.field(
        description=(
            "The media, most recently added first (then media id desc). Page size 0 to 200, "
            "default 100. Empty once the viewer is no longer a member."
        )
    )
    async def media(
        self, info: Info[Context, None], first: First = 100, after: After = strawberry.UNSET
    ) -> Annotated[LibraryMediaConnection, strawberry.lazy("nexus.graphql.types.media")]:
        request = page_request(info, first, after, cursors.LIBRARY_MEDIA)
        page = await loader(info.context, MediaPageByLibraryLoader).load((self.uuid, request))
        return media_types.library_media_connection(page)


@strawberry.type(description="A library in a list of libraries.")
class LibraryEdge:
    node: Library = strawberry.field(description="The library.")

    @strawberry.field(description="This edge's position, for `after`.")
    def cursor(self) -> str:
        return library_cursor(self.node)


def library_cursor(library: Library) -> str:
    return cursors.LIBRARIES.encode(cursors.encode_timestamp(library.created_at), library.uuid)


@strawberry.type(description="A page of libraries.")
class LibraryConnection:
    edges: list[LibraryEdge] = strawberry.field(description="The libraries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(
        description="How many libraries the whole list holds (all pages)."
    )


def library_connection(page: Page) -> LibraryConnection:
    """The connection of a page of library rows (with `viewer_role`)."""
    edges = [LibraryEdge(node=Library.from_row(row)) for row in page.rows]
    return LibraryConnection(
        edges=edges,
        page_info=page_info(
            page,
            library_cursor(edges[0].node) if edges else None,
            library_cursor(edges[-1].node) if edges else None,
        ),
        total_count=page.total_count,  # type: ignore[arg-type]  # None only when not selected
    )
