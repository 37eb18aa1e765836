"""The root Mutation type: each field decodes its input, runs one service call in one
transaction (on any error nothing it did remains) and builds its payload.

After a mutation the request's loaders are dropped, so the payload's nested fields (and
the operation's later mutations) read the state the mutation left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from nexus.graphql.context import Context
from nexus.graphql.global_ids import decode_global_id, encode_global_id
from nexus.graphql.highlight_mutations import HighlightMutations
from nexus.graphql.inputs import (
    AddLibraryMemberInput,
    AddMediaFromUrlInput,
    AddMediaToLibraryInput,
    CreateLibraryInput,
    DeleteLibraryInput,
    RemoveLibraryMemberInput,
    RemoveMediaFromLibraryInput,
    RenameLibraryInput,
    RetryMediaProcessingInput,
    UpdateLibraryMemberRoleInput,
)
from nexus.graphql.payloads import (
    AddLibraryMemberPayload,
    AddMediaFromUrlPayload,
    AddMediaToLibraryPayload,
    CreateLibraryPayload,
    DeleteLibraryPayload,
    RemoveLibraryMemberPayload,
    RemoveMediaFromLibraryPayload,
    RenameLibraryPayload,
    RetryMediaProcessingPayload,
    UpdateLibraryMemberRolePayload,
)
from nexus.graphql.types.library import Library
from nexus.graphql.types.media import Media
from nexus.graphql.types.membership import Membership
from nexus.services import libraries, media, memberships, saving

__all__ = ["Mutation"]


def _one_id(global_id: str, type_name: str) -> UUID:
    (uuid,) = decode_global_id(global_id, type_name)
    return uuid


def _echo(client_mutation_id: str | None) -> str | None:
    return None if client_mutation_id is strawberry.UNSET else client_mutation_id


@asynccontextmanager
async def _transaction(context: Context) -> AsyncIterator[AsyncSession]:
    async with context.database.transaction() as session:
        yield session
    context.loaders.clear()


@strawberry.type(description="Every change. Each runs in one transaction: all of it or nothing.")
class Mutation(HighlightMutations):
    @strawberry.mutation(
        description=(
            "Create a library owned by the viewer, who becomes its admin. Errors: E_NAME_INVALID."
        )
    )
    async def create_library(
        self, info: Info[Context, None], input: CreateLibraryInput
    ) -> CreateLibraryPayload | None:
        context = info.context
        async with _transaction(context) as session:
            row = await libraries.create_library(
                session=session, viewer_id=context.viewer_id, name=input.name
            )
        return CreateLibraryPayload(
            library=Library.from_row(row), client_mutation_id=_echo(input.client_mutation_id)
        )

    @strawberry.mutation(
        description=(
            "Rename a library (admins only). Errors: E_INVALID_REQUEST, E_NAME_INVALID, "
            "E_LIBRARY_NOT_FOUND, E_FORBIDDEN, E_DEFAULT_LIBRARY_FORBIDDEN."
        )
    )
    async def rename_library(
        self, info: Info[Context, None], input: RenameLibraryInput
    ) -> RenameLibraryPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        async with _transaction(context) as session:
            row = await libraries.rename_library(
                session=session, viewer_id=context.viewer_id, library_id=library_id, name=input.name
            )
        return RenameLibraryPayload(
            library=Library.from_row(row), client_mutation_id=_echo(input.client_mutation_id)
        )

    @strawberry.mutation(
        description=(
            "Delete a library with its memberships and media links (admins only; media and "
            "default libraries stay). Errors: E_INVALID_REQUEST, E_LIBRARY_NOT_FOUND, "
            "E_FORBIDDEN, E_DEFAULT_LIBRARY_FORBIDDEN."
        )
    )
    async def delete_library(
        self, info: Info[Context, None], input: DeleteLibraryInput
    ) -> DeleteLibraryPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        async with _transaction(context) as session:
            await libraries.delete_library(
                session=session, viewer_id=context.viewer_id, library_id=library_id
            )
        return DeleteLibraryPayload(
            deleted_library_id=strawberry.ID(encode_global_id("Library", library_id)),
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Add any existing media item to a library (admins only), and to the default "
            "library of each of its members. Adding it again changes nothing (the first "
            "addedAt stays). Errors: E_INVALID_REQUEST, E_LIBRARY_NOT_FOUND, E_FORBIDDEN, "
            "E_MEDIA_NOT_FOUND."
        )
    )
    async def add_media_to_library(
        self, info: Info[Context, None], input: AddMediaToLibraryInput
    ) -> AddMediaToLibraryPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        media_id = _one_id(input.media_id, "Media")
        async with _transaction(context) as session:
            library, media_row, added_at = await media.add_media_to_library(
                session=session,
                viewer_id=context.viewer_id,
                library_id=library_id,
                media_id=media_id,
            )
        return AddMediaToLibraryPayload(
            library=Library.from_row(library),
            media=Media.from_row(media_row),
            added_at=added_at,
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Remove a media item from a library (admins only). From the viewer's default "
            "library it also leaves every library the viewer owns and is the only member of. "
            "Errors: E_INVALID_REQUEST, E_LIBRARY_NOT_FOUND, E_FORBIDDEN, E_MEDIA_NOT_FOUND "
            "(also when the library does not hold it)."
        )
    )
    async def remove_media_from_library(
        self, info: Info[Context, None], input: RemoveMediaFromLibraryInput
    ) -> RemoveMediaFromLibraryPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        media_id = _one_id(input.media_id, "Media")
        async with _transaction(context) as session:
            library = await media.remove_media_from_library(
                session=session,
                viewer_id=context.viewer_id,
                library_id=library_id,
                media_id=media_id,
            )
        return RemoveMediaFromLibraryPayload(
            library=Library.from_row(library),
            removed_media_id=strawberry.ID(encode_global_id("Media", media_id)),
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Add a user who has signed in to a library (admins only); the library's media "
            "join their default library. An existing member's membership comes back "
            "unchanged. Errors: E_INVALID_REQUEST, E_LIBRARY_NOT_FOUND, E_FORBIDDEN, "
            "E_DEFAULT_LIBRARY_FORBIDDEN, E_NOT_FOUND (no such user)."
        )
    )
    async def add_library_member(
        self, info: Info[Context, None], input: AddLibraryMemberInput
    ) -> AddLibraryMemberPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        user_id = _one_id(input.user_id, "User")
        async with _transaction(context) as session:
            row = await memberships.add_member(
                session=session,
                viewer_id=context.viewer_id,
                library_id=library_id,
                user_id=user_id,
                role=input.role,
            )
        return AddLibraryMemberPayload(
            membership=Membership.from_row(row),
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Promote or demote a member (admins only). Errors: E_INVALID_REQUEST, "
            "E_LIBRARY_NOT_FOUND, E_FORBIDDEN (not an admin, or demoting the owner), "
            "E_LAST_ADMIN_FORBIDDEN (checked first), E_NOT_FOUND (not a member)."
        )
    )
    async def update_library_member_role(
        self, info: Info[Context, None], input: UpdateLibraryMemberRoleInput
    ) -> UpdateLibraryMemberRolePayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        user_id = _one_id(input.user_id, "User")
        async with _transaction(context) as session:
            row = await memberships.update_member_role(
                session=session,
                viewer_id=context.viewer_id,
                library_id=library_id,
                user_id=user_id,
                role=input.role,
            )
        return UpdateLibraryMemberRolePayload(
            membership=Membership.from_row(row),
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Remove a member (admins), or leave a library (any member, with their own user "
            "id). Their default library keeps its media. Errors: E_INVALID_REQUEST, "
            "E_LIBRARY_NOT_FOUND, E_FORBIDDEN (not an admin, or removing the owner), "
            "E_LAST_ADMIN_FORBIDDEN (checked first), E_NOT_FOUND (not a member)."
        )
    )
    async def remove_library_member(
        self, info: Info[Context, None], input: RemoveLibraryMemberInput
    ) -> RemoveLibraryMemberPayload | None:
        context = info.context
        library_id = _one_id(input.library_id, "Library")
        user_id = _one_id(input.user_id, "User")
        async with _transaction(context) as session:
            library = await memberships.remove_member(
                session=session, viewer_id=context.viewer_id, library_id=library_id, user_id=user_id
            )
        return RemoveLibraryMemberPayload(
            library=Library.from_row(library),
            removed_user_id=strawberry.ID(encode_global_id("User", user_id)),
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Save a web article by URL: the media item of the URL's canonical form (found, "
            "or created PENDING with its processing queued) joins the viewer's default "
            "library and, with libraryId, that library (admins only). Errors: "
            "E_INVALID_URL, E_SSRF_BLOCKED, E_RATE_LIMITED (too many saves in progress), "
            "E_INVALID_REQUEST, E_LIBRARY_NOT_FOUND, E_FORBIDDEN."
        )
    )
    async def add_media_from_url(
        self, info: Info[Context, None], input: AddMediaFromUrlInput
    ) -> AddMediaFromUrlPayload | None:
        context = info.context
        library_id = None if not input.library_id else _one_id(input.library_id, "Library")
        async with _transaction(context) as session:
            row, created = await saving.add_media_from_url(
                session=session,
                viewer_id=context.viewer_id,
                url=input.url,
                library_id=library_id,
                policy=context.saving,
            )
        return AddMediaFromUrlPayload(
            media=Media.from_row(row),
            created=created,
            client_mutation_id=_echo(input.client_mutation_id),
        )

    @strawberry.mutation(
        description=(
            "Process a FAILED media item again (its creator, or an admin of a library "
            "holding it): what processing left goes and it is PENDING, queued. Errors: "
            "E_INVALID_REQUEST, E_MEDIA_NOT_FOUND, E_FORBIDDEN, E_INVALID_STATE (not "
            "FAILED), E_RATE_LIMITED."
        )
    )
    async def retry_media_processing(
        self, info: Info[Context, None], input: RetryMediaProcessingInput
    ) -> RetryMediaProcessingPayload | None:
        context = info.context
        media_id = _one_id(input.media_id, "Media")
        async with _transaction(context) as session:
            row = await saving.retry_media_processing(
                session=session,
                viewer_id=context.viewer_id,
                media_id=media_id,
                max_active=context.saving.max_active,
            )
        return RetryMediaProcessingPayload(
            media=Media.from_row(row), client_mutation_id=_echo(input.client_mutation_id)
        )
