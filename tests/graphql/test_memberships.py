"""Members: adding, promoting, demoting, removing, leaving, and the admin rules."""

from __future__ import annotations

from uuid import uuid4

from tests.factories import create_media, default_library_id, library_media_ids
from tests.graphql.operations import (
    LIBRARY,
    add_media,
    add_member,
    codes,
    create_library,
    library_gid,
    remove_member,
    update_role,
    user_gid,
)

MEMBERS = """
query($id: ID!) {
  library(id: $id) { members { totalCount edges { node { role user { uuid } } } } }
}"""


async def _roles(api, viewer, library_id) -> dict[str, str]:
    data = await api.data(MEMBERS, {"id": library_gid(library_id)}, user=viewer)
    return {
        e["node"]["user"]["uuid"]: e["node"]["role"] for e in data["library"]["members"]["edges"]
    }


async def test_an_admin_adds_a_member_with_a_role(api) -> None:
    owner, reader, editor = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    body = await add_member(api, owner, library["uuid"], reader)
    membership = body["data"]["addLibraryMember"]["membership"]
    assert membership["role"] == "MEMBER"
    assert membership["user"] == {"uuid": str(reader)}
    assert membership["library"] == {"uuid": library["uuid"]}
    assert (await add_member(api, owner, library["uuid"], editor, "ADMIN"))["data"][
        "addLibraryMember"
    ]["membership"]["role"] == "ADMIN"
    assert await _roles(api, owner, library["uuid"]) == {
        str(owner): "ADMIN",
        str(reader): "MEMBER",
        str(editor): "ADMIN",
    }
    # The new member sees the library, with their role.
    seen = await api.data(LIBRARY, {"id": library["id"]}, user=reader)
    assert seen["library"]["viewerRole"] == "MEMBER"


async def test_adding_a_member_puts_the_library_media_in_their_default_library(
    api, connection
) -> None:
    owner, newcomer = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    first, second = await create_media(connection), await create_media(connection)
    for media_id in (first, second):
        assert "errors" not in await add_media(api, owner, library["uuid"], media_id)
    await add_member(api, owner, library["uuid"], newcomer)
    newcomer_default = await default_library_id(connection, newcomer)
    assert await library_media_ids(connection, newcomer_default) == {first, second}


async def test_adding_a_user_who_never_signed_in_is_not_found(api) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    body = await add_member(api, owner, library["uuid"], uuid4())
    assert body["data"] == {"addLibraryMember": None}
    assert codes(body) == ["E_NOT_FOUND"]


async def test_a_default_library_cannot_be_shared(api, connection) -> None:
    owner, friend = await api.new_user(), await api.new_user()
    default = await default_library_id(connection, owner)
    body = await add_member(api, owner, default, friend)
    assert codes(body) == ["E_DEFAULT_LIBRARY_FORBIDDEN"]
    assert await _roles(api, owner, default) == {str(owner): "ADMIN"}


async def test_adding_an_existing_member_returns_the_membership_unchanged(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    first = (await add_member(api, owner, library["uuid"], member))["data"]["addLibraryMember"]
    again = await add_member(api, owner, library["uuid"], member, "ADMIN")
    assert again["data"]["addLibraryMember"] == first
    assert again["data"]["addLibraryMember"]["membership"]["role"] == "MEMBER"


async def test_only_admins_add_members(api) -> None:
    owner, member, other = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    assert codes(await add_member(api, member, library["uuid"], other)) == ["E_FORBIDDEN"]


async def test_a_non_member_cannot_add_members(api) -> None:
    owner, stranger = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    assert codes(await add_member(api, stranger, library["uuid"], stranger)) == [
        "E_LIBRARY_NOT_FOUND"
    ]


async def test_an_admin_promotes_and_demotes_a_member(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    body = await update_role(api, owner, library["uuid"], member, "ADMIN")
    assert body["data"]["updateLibraryMemberRole"]["membership"]["role"] == "ADMIN"
    body = await update_role(api, owner, library["uuid"], member, "MEMBER")
    assert body["data"]["updateLibraryMemberRole"]["membership"]["role"] == "MEMBER"
    assert await _roles(api, owner, library["uuid"]) == {str(owner): "ADMIN", str(member): "MEMBER"}


async def test_setting_the_role_a_member_has_changes_nothing(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    added = (await add_member(api, owner, library["uuid"], member))["data"]["addLibraryMember"]
    same = await update_role(api, owner, library["uuid"], member, "MEMBER")
    assert same["data"]["updateLibraryMemberRole"]["membership"] == added["membership"]


async def test_the_last_admin_cannot_be_demoted(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    # The owner is the only admin: the last-admin rule answers before the owner rule.
    body = await update_role(api, owner, library["uuid"], owner, "MEMBER")
    assert body["data"] == {"updateLibraryMemberRole": None}
    assert codes(body) == ["E_LAST_ADMIN_FORBIDDEN"]


async def test_the_owner_cannot_be_demoted_even_with_other_admins(api) -> None:
    owner, admin = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], admin, "ADMIN")
    assert codes(await update_role(api, admin, library["uuid"], owner, "MEMBER")) == ["E_FORBIDDEN"]
    assert codes(await update_role(api, owner, library["uuid"], owner, "MEMBER")) == ["E_FORBIDDEN"]


async def test_an_admin_may_demote_another_admin_or_themselves(api) -> None:
    owner, first, second = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], first, "ADMIN")
    await add_member(api, owner, library["uuid"], second, "ADMIN")
    assert "errors" not in await update_role(api, first, library["uuid"], second, "MEMBER")
    assert "errors" not in await update_role(api, first, library["uuid"], first, "MEMBER")
    assert await _roles(api, owner, library["uuid"]) == {
        str(owner): "ADMIN",
        str(first): "MEMBER",
        str(second): "MEMBER",
    }


async def test_only_admins_change_roles(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    assert codes(await update_role(api, member, library["uuid"], member, "ADMIN")) == [
        "E_FORBIDDEN"
    ]


async def test_changing_the_role_of_a_non_member_is_not_found(api) -> None:
    owner, other = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    assert codes(await update_role(api, owner, library["uuid"], other, "ADMIN")) == ["E_NOT_FOUND"]


async def test_an_admin_removes_a_member_whose_default_library_keeps_its_media(
    api, connection
) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    media_id = await create_media(connection)
    await add_media(api, owner, library["uuid"], media_id)
    body = await remove_member(api, owner, library["uuid"], member)
    assert body["data"]["removeLibraryMember"]["removedUserId"] == user_gid(member)
    assert body["data"]["removeLibraryMember"]["library"]["uuid"] == library["uuid"]
    assert await _roles(api, owner, library["uuid"]) == {str(owner): "ADMIN"}
    assert codes(await api.gql(LIBRARY, {"id": library["id"]}, user=member)) == [
        "E_LIBRARY_NOT_FOUND"
    ]
    member_default = await default_library_id(connection, member)
    assert await library_media_ids(connection, member_default) == {media_id}


async def test_a_member_may_leave_a_library(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    body = await api.gql(
        """mutation($input: RemoveLibraryMemberInput!) { removeLibraryMember(input: $input) {
             removedUserId library { uuid name members { totalCount edges { cursor } }
             media { totalCount } } } }""",
        {"input": {"libraryId": library["id"], "userId": user_gid(member)}},
        user=member,
    )
    left = body["data"]["removeLibraryMember"]
    # The library as it was; it no longer exists for the leaver, so its lists are empty.
    assert left["library"]["uuid"] == library["uuid"]
    assert left["library"]["members"] == {"totalCount": 0, "edges": []}
    assert left["library"]["media"] == {"totalCount": 0}
    assert await _roles(api, owner, library["uuid"]) == {str(owner): "ADMIN"}


async def test_a_member_cannot_remove_someone_else(api) -> None:
    owner, member, other = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    await add_member(api, owner, library["uuid"], other)
    assert codes(await remove_member(api, member, library["uuid"], other)) == ["E_FORBIDDEN"]


async def test_the_last_admin_cannot_leave_or_be_removed(api) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    body = await remove_member(api, owner, library["uuid"], owner)
    assert body["data"] == {"removeLibraryMember": None}
    assert codes(body) == ["E_LAST_ADMIN_FORBIDDEN"]


async def test_the_owner_cannot_be_removed_even_with_other_admins(api) -> None:
    owner, admin = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], admin, "ADMIN")
    assert codes(await remove_member(api, admin, library["uuid"], owner)) == ["E_FORBIDDEN"]
    assert codes(await remove_member(api, owner, library["uuid"], owner)) == ["E_FORBIDDEN"]


async def test_an_admin_who_is_not_the_last_may_leave(api) -> None:
    owner, admin = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], admin, "ADMIN")
    assert "errors" not in await remove_member(api, admin, library["uuid"], admin)
    assert await _roles(api, owner, library["uuid"]) == {str(owner): "ADMIN"}


async def test_removing_a_non_member_is_not_found(api) -> None:
    owner, other = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    assert codes(await remove_member(api, owner, library["uuid"], other)) == ["E_NOT_FOUND"]


async def test_a_non_member_cannot_remove_anyone(api) -> None:
    owner, stranger = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    assert codes(await remove_member(api, stranger, library["uuid"], owner)) == [
        "E_LIBRARY_NOT_FOUND"
    ]
    assert codes(await remove_member(api, stranger, library["uuid"], stranger)) == [
        "E_LIBRARY_NOT_FOUND"
    ]
