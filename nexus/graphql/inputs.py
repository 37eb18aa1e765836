"""Input objects of the mutations (Relay style: one `input` argument each)."""

from __future__ import annotations

import strawberry

from nexus.graphql.enums import LibraryRole
from nexus.services.memberships import Role

__all__ = [
    "AddLibraryMemberInput",
    "AddMediaFromUrlInput",
    "AddMediaToLibraryInput",
    "CreateLibraryInput",
    "DeleteLibraryInput",
    "RemoveLibraryMemberInput",
    "RemoveMediaFromLibraryInput",
    "RenameLibraryInput",
    "RetryMediaProcessingInput",
    "UpdateLibraryMemberRoleInput",
]

_CLIENT_MUTATION_ID = "Any string; echoed unchanged in the payload."
_LIBRARY_ID = "The library's global id (`Library.id`); any other id is E_INVALID_REQUEST."
_MEDIA_ID = "The media item's global id (`Media.id`); any other id is E_INVALID_REQUEST."
_USER_ID = "The user's global id (`User.id`); any other id is E_INVALID_REQUEST."
_NAME = (
    "The name; surrounding whitespace is trimmed, and it must then be 1 to 100 characters "
    "without control characters (else E_NAME_INVALID)."
)


@strawberry.input(description="Create a library.")
class CreateLibraryInput:
    name: str = strawberry.field(description=_NAME)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Rename a library.")
class RenameLibraryInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    name: str = strawberry.field(description=_NAME)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Delete a library.")
class DeleteLibraryInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Add a media item to a library.")
class AddMediaToLibraryInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    media_id: strawberry.ID = strawberry.field(description=_MEDIA_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Remove a media item from a library.")
class RemoveMediaFromLibraryInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    media_id: strawberry.ID = strawberry.field(description=_MEDIA_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Add a user to a library.")
class AddLibraryMemberInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    user_id: strawberry.ID = strawberry.field(description=_USER_ID)
    role: LibraryRole = strawberry.field(
        default=Role.MEMBER, description="The new member's role (default MEMBER)."
    )
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Change a member's role.")
class UpdateLibraryMemberRoleInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    user_id: strawberry.ID = strawberry.field(description=_USER_ID)
    role: LibraryRole = strawberry.field(description="The new role.")
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Remove a member from a library, or leave it (your own user id).")
class RemoveLibraryMemberInput:
    library_id: strawberry.ID = strawberry.field(description=_LIBRARY_ID)
    user_id: strawberry.ID = strawberry.field(description=_USER_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Save a web article by its URL.")
class AddMediaFromUrlInput:
    url: str = strawberry.field(
        description=(
            "An absolute http(s) URL with a host, at most 2048 characters (else "
            "E_INVALID_URL); a host that is or resolves to a non-public address, or a port "
            "other than 80 and 443, is E_SSRF_BLOCKED."
        )
    )
    library_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "A library the viewer administers to add it to as well; the viewer's default "
            "library always gets it."
        ),
    )
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Queue a media item whose processing failed again.")
class RetryMediaProcessingInput:
    media_id: strawberry.ID = strawberry.field(description=_MEDIA_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )
