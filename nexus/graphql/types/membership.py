"""The Membership type and the connection of a library's members."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
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
from nexus.graphql.loaders.libraries import LibraryByIdLoader
from nexus.graphql.loaders.users import UserByIdLoader
from nexus.graphql.types import library as library_types
from nexus.graphql.types.node import Node
from nexus.graphql.types.page_info import PageInfo, page_info
from nexus.graphql.types.user import User
from nexus.services.library_access import library_not_found
from nexus.services.pagination import Page

if TYPE_CHECKING:
    from nexus.graphql.types.library import Library

__all__ = ["Membership", "MembershipConnection", "MembershipEdge", "membership_connection"]


@strawberry.type(
    description=(
        "A user's membership of a library, with their role. Visible to the members of the "
        "library; `node` answers E_NOT_FOUND for anyone else."
    )
)
class Membership(Node):
    role: LibraryRole = strawberry.field(description="The member's role in the library.")
    created_at: datetime = strawberry.field(description="When the user joined the library.")
    library_id: strawberry.Private[UUID]
    user_id: strawberry.Private[UUID]
    # The Library it was reached from, if any, which saves loading it again (typed Any:
    # Strawberry evaluates Private annotations, and Library is imported lazily).
    parent: strawberry.Private[Any] = None

    @classmethod
    def from_row(cls, row: Record, parent: Library | None = None) -> Membership:
        return cls(
            role=row.role,
            created_at=row.created_at,
            library_id=row.library_id,
            user_id=row.user_id,
            parent=parent,
        )

    @strawberry.field(
        description="The global id: base64 of `Membership:<library uuid>:<user uuid>`."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Membership", self.library_id, self.user_id))

    @strawberry.field(description="The library.")
    async def library(
        self, info: Info[Context, None]
    ) -> Annotated[Library, strawberry.lazy("nexus.graphql.types.library")]:
        if self.parent is not None:
            return self.parent  # type: ignore[no-any-return]
        row = await loader(info.context, LibraryByIdLoader).load(self.library_id)
        if row is None:
            raise library_not_found()
        return library_types.Library.from_row(row)

    @strawberry.field(description="The member.")
    async def user(self, info: Info[Context, None]) -> User:
        row = await loader(info.context, UserByIdLoader).load(self.user_id)
        if row is None:  # memberships reference their user by foreign key
            raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
        return User.from_row(row)


@strawberry.type(description="A membership in a list of a library's members.")
class MembershipEdge:
    node: Membership = strawberry.field(description="The membership.")

    @strawberry.field(description="This edge's position, for `after`.")
    def cursor(self) -> str:
        return membership_cursor(self.node)


@strawberry.type(description="A page of a library's members.")
class MembershipConnection:
    edges: list[MembershipEdge] = strawberry.field(description="The memberships of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(description="How many members the library has.")


def membership_cursor(membership: Membership) -> str:
    return cursors.MEMBERS.encode(
        cursors.encode_timestamp(membership.created_at), membership.user_id
    )


def membership_connection(page: Page, library: Library) -> MembershipConnection:
    """The connection of a page of one library's membership rows."""
    edges = [MembershipEdge(node=Membership.from_row(row, library)) for row in page.rows]
    return MembershipConnection(
        edges=edges,
        page_info=page_info(
            page,
            membership_cursor(edges[0].node) if edges else None,
            membership_cursor(edges[-1].node) if edges else None,
        ),
        total_count=page.total_count,  # type: ignore[arg-type]  # None only when not selected
    )
