"""The root Query type: the viewer, refetching by global id, one library, one media."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry.types import Info

from nexus.errors import ErrorCode, NexusError
from nexus.graphql.context import Context
from nexus.graphql.global_ids import decode_global_id
from nexus.graphql.node_lookup import decode_node_ref, load_library, load_media, load_node
from nexus.graphql.types.library import Library
from nexus.graphql.types.media import Media
from nexus.graphql.types.node import Node
from nexus.graphql.types.viewer import Viewer

__all__ = ["MAX_NODES", "Query"]

MAX_NODES = 200

GlobalId = Annotated[
    strawberry.ID, strawberry.argument(description="A global id (`id` of any Node).")
]


@strawberry.type(description="The root of every read.")
class Query:
    @strawberry.field(
        description=(
            "The authenticated caller. Reading it creates the user and the default library "
            "on first use."
        )
    )
    def viewer(self) -> Viewer:
        return Viewer()

    @strawberry.field(
        description=(
            "Refetch any object by global id; null (with an error) when it does not exist or "
            "is not visible: E_LIBRARY_NOT_FOUND (Library), E_MEDIA_NOT_FOUND (Media), "
            "E_NOT_FOUND (User, Membership, Fragment). A malformed id is E_INVALID_REQUEST."
        )
    )
    async def node(self, info: Info[Context, None], id: GlobalId) -> Node | None:
        return await load_node(info.context, decode_node_ref(id))

    @strawberry.field(
        description=(
            f"Refetch up to {MAX_NODES} objects by global id, in the order given; each one "
            "that does not exist, is not visible or is malformed is null with the error "
            "`node` would give, at its index."
        )
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise NexusError(ErrorCode.E_INVALID_REQUEST, f"`nodes` takes at most {MAX_NODES} ids.")

        async def one(global_id: str) -> Node | NexusError:
            try:
                return await load_node(info.context, decode_node_ref(global_id))
            except NexusError as error:
                return error

        # Exceptions in the list become per-item errors with their index in the path.
        return await asyncio.gather(*(one(global_id) for global_id in ids))  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "A library the viewer is a member of. Null with E_LIBRARY_NOT_FOUND when it does "
            "not exist or the viewer is not a member; E_INVALID_REQUEST for an id that is not "
            "a Library's."
        )
    )
    async def library(self, info: Info[Context, None], id: GlobalId) -> Library | None:
        (library_id,) = decode_global_id(id, "Library")
        return await load_library(info.context, library_id)

    @strawberry.field(
        description=(
            "A media item the viewer can read. Null with E_MEDIA_NOT_FOUND when it does not "
            "exist or is in none of the viewer's libraries; E_INVALID_REQUEST for an id that "
            "is not a Media's."
        )
    )
    async def media(self, info: Info[Context, None], id: GlobalId) -> Media | None:
        (media_id,) = decode_global_id(id, "Media")
        return await load_media(info.context, media_id)
