"""The operations the domain tests send, and small wrappers that speak them as a user."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.factories import global_id
from tests.helpers import Api

LIBRARY_FIELDS = "id uuid name isDefault viewerRole createdAt updatedAt owner { uuid }"
MEMBERSHIP_FIELDS = "id role createdAt user { uuid } library { uuid }"

CREATE_LIBRARY = f"""
mutation($input: CreateLibraryInput!) {{
  createLibrary(input: $input) {{ clientMutationId library {{ {LIBRARY_FIELDS} }} }}
}}"""
RENAME_LIBRARY = f"""
mutation($input: RenameLibraryInput!) {{
  renameLibrary(input: $input) {{ clientMutationId library {{ {LIBRARY_FIELDS} }} }}
}}"""
DELETE_LIBRARY = """
mutation($input: DeleteLibraryInput!) {
  deleteLibrary(input: $input) { clientMutationId deletedLibraryId }
}"""
ADD_MEDIA = """
mutation($input: AddMediaToLibraryInput!) {
  addMediaToLibrary(input: $input) {
    clientMutationId addedAt library { uuid } media { uuid title }
  }
}"""
REMOVE_MEDIA = """
mutation($input: RemoveMediaFromLibraryInput!) {
  removeMediaFromLibrary(input: $input) { clientMutationId removedMediaId library { uuid } }
}"""
ADD_MEMBER = f"""
mutation($input: AddLibraryMemberInput!) {{
  addLibraryMember(input: $input) {{ clientMutationId membership {{ {MEMBERSHIP_FIELDS} }} }}
}}"""
UPDATE_ROLE = f"""
mutation($input: UpdateLibraryMemberRoleInput!) {{
  updateLibraryMemberRole(input: $input) {{
    clientMutationId membership {{ {MEMBERSHIP_FIELDS} }}
  }}
}}"""
REMOVE_MEMBER = """
mutation($input: RemoveLibraryMemberInput!) {
  removeLibraryMember(input: $input) { clientMutationId removedUserId library { uuid name } }
}"""

LIBRARY = f"query($id: ID!) {{ library(id: $id) {{ {LIBRARY_FIELDS} }} }}"
MEDIA = "query($id: ID!) { media(id: $id) { id uuid title } }"
LIBRARY_MEDIA_IDS = """
query($id: ID!) { library(id: $id) { media(first: 200) { edges { node { uuid } } } } }"""


def library_gid(library_id: UUID | str) -> str:
    return global_id("Library", UUID(str(library_id)))


def media_gid(media_id: UUID | str) -> str:
    return global_id("Media", UUID(str(media_id)))


def user_gid(user_id: UUID | str) -> str:
    return global_id("User", UUID(str(user_id)))


def codes(body: dict[str, Any]) -> list[str]:
    """The error codes of a response, in order."""
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def create_library(api: Api, user: UUID, name: str = "Reading list") -> dict[str, Any]:
    data = await api.data(CREATE_LIBRARY, {"input": {"name": name}}, user=user)
    library: dict[str, Any] = data["createLibrary"]["library"]
    return library


async def add_media(api: Api, user: UUID, library_id: UUID | str, media_id: UUID) -> dict[str, Any]:
    """The response body of addMediaToLibrary (errors included)."""
    variables = {"input": {"libraryId": library_gid(library_id), "mediaId": media_gid(media_id)}}
    return await api.gql(ADD_MEDIA, variables, user=user)


async def remove_media(
    api: Api, user: UUID, library_id: UUID | str, media_id: UUID
) -> dict[str, Any]:
    variables = {"input": {"libraryId": library_gid(library_id), "mediaId": media_gid(media_id)}}
    return await api.gql(REMOVE_MEDIA, variables, user=user)


async def add_member(
    api: Api, user: UUID, library_id: UUID | str, member: UUID, role: str | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"libraryId": library_gid(library_id), "userId": user_gid(member)}
    if role is not None:
        fields["role"] = role
    return await api.gql(ADD_MEMBER, {"input": fields}, user=user)


async def update_role(
    api: Api, user: UUID, library_id: UUID | str, member: UUID, role: str
) -> dict[str, Any]:
    fields = {"libraryId": library_gid(library_id), "userId": user_gid(member), "role": role}
    return await api.gql(UPDATE_ROLE, {"input": fields}, user=user)


async def remove_member(
    api: Api, user: UUID, library_id: UUID | str, member: UUID
) -> dict[str, Any]:
    fields = {"libraryId": library_gid(library_id), "userId": user_gid(member)}
    return await api.gql(REMOVE_MEMBER, {"input": fields}, user=user)


async def can_read(api: Api, user: UUID, media_id: UUID) -> bool:
    """Whether `media(id:)` answers the media (else it must be E_MEDIA_NOT_FOUND)."""
    body = await api.gql(MEDIA, {"id": media_gid(media_id)}, user=user)
    if body["data"]["media"] is not None:
        return True
    assert codes(body) == ["E_MEDIA_NOT_FOUND"], body
    return False


async def library_media_ids(api: Api, user: UUID, library_id: UUID | str) -> set[str]:
    data = await api.data(LIBRARY_MEDIA_IDS, {"id": library_gid(library_id)}, user=user)
    return {edge["node"]["uuid"] for edge in data["library"]["media"]["edges"]}
