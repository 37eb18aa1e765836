"""Payloads of the mutations: what changed, and the `clientMutationId` echoed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from nexus.graphql.types.library import Library
from nexus.graphql.types.media import Media
from nexus.graphql.types.membership import Membership

__all__ = [
    "AddLibraryMemberPayload",
    "AddMediaFromUrlPayload",
    "AddMediaToLibraryPayload",
    "CreateLibraryPayload",
    "DeleteLibraryPayload",
    "RemoveLibraryMemberPayload",
    "RemoveMediaFromLibraryPayload",
    "RenameLibraryPayload",
    "RetryMediaProcessingPayload",
    "UpdateLibraryMemberRolePayload",
]

_ECHO = "The input's clientMutationId, unchanged."


@strawberry.type(description="The created library.")
class CreateLibraryPayload:
    library: Library = strawberry.field(description="The new library; the viewer is its admin.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The renamed library.")
class RenameLibraryPayload:
    library: Library = strawberry.field(description="The library with its new name.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The deleted library's id.")
class DeleteLibraryPayload:
    deleted_library_id: strawberry.ID = strawberry.field(
        description="The global id of the library that no longer exists."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The library and the media item now in it.")
class AddMediaToLibraryPayload:
    library: Library = strawberry.field(description="The library.")
    media: Media = strawberry.field(description="The media item.")
    added_at: datetime = strawberry.field(
        description="When the media was added to the library (the first time, if it already was)."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The library the media item left.")
class RemoveMediaFromLibraryPayload:
    library: Library = strawberry.field(description="The library.")
    removed_media_id: strawberry.ID = strawberry.field(
        description="The global id of the media item removed from it."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The new (or existing) membership.")
class AddLibraryMemberPayload:
    membership: Membership = strawberry.field(
        description="The membership; an existing member's comes back unchanged."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The membership with its new role.")
class UpdateLibraryMemberRolePayload:
    membership: Membership = strawberry.field(description="The membership.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The library the member left.")
class RemoveLibraryMemberPayload:
    library: Library = strawberry.field(
        description=(
            "The library as it was. After leaving it yourself its connections are empty: "
            "it no longer exists for you."
        )
    )
    removed_user_id: strawberry.ID = strawberry.field(
        description="The global id of the user who is no longer a member."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The saved media item.")
class AddMediaFromUrlPayload:
    media: Media = strawberry.field(
        description="The new media item (PENDING), or the existing one for the same canonical URL."
    )
    created: bool = strawberry.field(
        description=(
            "False when the URL was already known (the existing media was added to the "
            "libraries and nothing was queued)."
        )
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The media item queued again.")
class RetryMediaProcessingPayload:
    media: Media = strawberry.field(description="Back to PENDING, queued again.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)
