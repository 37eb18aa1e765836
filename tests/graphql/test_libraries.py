"""Creating, renaming and deleting libraries; the default library's rules; names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nexus.db.tables import library_media, memberships
from tests.factories import create_media, default_library_id
from tests.graphql.operations import (
    CREATE_LIBRARY,
    DELETE_LIBRARY,
    LIBRARY,
    RENAME_LIBRARY,
    add_media,
    add_member,
    codes,
    create_library,
    library_gid,
)

VIEWER_DEFAULT = "{ viewer { defaultLibrary { uuid name isDefault viewerRole owner { uuid } } } }"


async def test_first_request_gives_the_viewer_a_default_library(api) -> None:
    user = await api.new_user()
    data = await api.data(VIEWER_DEFAULT, user=user)
    assert data["viewer"]["defaultLibrary"] | {"uuid": None} == {
        "uuid": None,
        "name": "My Library",
        "isDefault": True,
        "viewerRole": "ADMIN",
        "owner": {"uuid": str(user)},
    }


async def test_creating_a_library_makes_the_creator_owner_and_admin(api) -> None:
    user = await api.new_user()
    body = await api.gql(
        CREATE_LIBRARY, {"input": {"name": "Papers", "clientMutationId": "c-1"}}, user=user
    )
    payload = body["data"]["createLibrary"]
    assert payload["clientMutationId"] == "c-1"
    library = payload["library"]
    assert library["name"] == "Papers"
    assert library["isDefault"] is False
    assert library["viewerRole"] == "ADMIN"
    assert library["owner"] == {"uuid": str(user)}
    assert library["id"] == library_gid(library["uuid"])
    members = await api.data(
        "query($id: ID!) { library(id: $id) { members { totalCount edges { node { role user "
        "{ uuid } } } } } }",
        {"id": library["id"]},
        user=user,
    )
    assert members["library"]["members"] == {
        "totalCount": 1,
        "edges": [{"node": {"role": "ADMIN", "user": {"uuid": str(user)}}}],
    }


async def test_library_names_are_trimmed(api) -> None:
    user = await api.new_user()
    library = await create_library(api, user, "  \t Weekend reading \n ")
    assert library["name"] == "Weekend reading"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "\t\n",
        "x" * 101,
        "bad\x00name",
        "tab\tinside",
        "bell\x07",
        "del\x7f",
        "ne\u0085l",
    ],
    ids=["empty", "spaces", "whitespace", "101-chars", "nul", "tab", "bell", "del", "c1-control"],
)
async def test_invalid_library_names_are_refused(api, name: str) -> None:
    user = await api.new_user()
    body = await api.gql(CREATE_LIBRARY, {"input": {"name": name}}, user=user)
    assert body["data"] == {"createLibrary": None}
    assert codes(body) == ["E_NAME_INVALID"]


@pytest.mark.parametrize("name", ["x" * 100, "é" * 100, "日本語の本", "A"], ids=str.__len__)
async def test_names_of_1_to_100_characters_are_accepted(api, name: str) -> None:
    user = await api.new_user()
    assert (await create_library(api, user, f" {name} "))["name"] == name


async def test_an_admin_renames_a_library_and_updated_at_moves(api, connection) -> None:
    user = await api.new_user()
    library = await create_library(api, user, "Old")
    await connection.exec_driver_sql(
        "UPDATE libraries SET updated_at = updated_at - interval '1 hour' WHERE id = %s",
        (library["uuid"],),
    )
    before = (await api.data(LIBRARY, {"id": library["id"]}, user=user))["library"]
    body = await api.gql(
        RENAME_LIBRARY,
        {"input": {"libraryId": library["id"], "name": " New ", "clientMutationId": "r"}},
        user=user,
    )
    renamed = body["data"]["renameLibrary"]
    assert renamed["clientMutationId"] == "r"
    assert renamed["library"]["name"] == "New"
    assert renamed["library"]["updatedAt"] > before["updatedAt"]
    assert renamed["library"]["createdAt"] == before["createdAt"]
    after = (await api.data(LIBRARY, {"id": library["id"]}, user=user))["library"]
    assert after == renamed["library"]


async def test_renaming_checks_the_name(api) -> None:
    user = await api.new_user()
    library = await create_library(api, user)
    body = await api.gql(
        RENAME_LIBRARY, {"input": {"libraryId": library["id"], "name": "  "}}, user=user
    )
    assert codes(body) == ["E_NAME_INVALID"]


async def test_the_default_library_cannot_be_renamed(api, connection) -> None:
    user = await api.new_user()
    default = library_gid(await default_library_id(connection, user))
    body = await api.gql(RENAME_LIBRARY, {"input": {"libraryId": default, "name": "X"}}, user=user)
    assert body["data"] == {"renameLibrary": None}
    assert codes(body) == ["E_DEFAULT_LIBRARY_FORBIDDEN"]


async def test_a_member_who_is_not_an_admin_cannot_rename(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    body = await api.gql(
        RENAME_LIBRARY, {"input": {"libraryId": library["id"], "name": "Mine"}}, user=member
    )
    assert codes(body) == ["E_FORBIDDEN"]


async def test_a_non_member_cannot_rename_and_learns_nothing(api) -> None:
    owner, stranger = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    body = await api.gql(
        RENAME_LIBRARY, {"input": {"libraryId": library["id"], "name": "Mine"}}, user=stranger
    )
    missing = await api.gql(
        RENAME_LIBRARY,
        {"input": {"libraryId": library_gid("00000000-0000-4000-8000-00000000abcd"), "name": "X"}},
        user=stranger,
    )
    assert codes(body) == codes(missing) == ["E_LIBRARY_NOT_FOUND"]
    assert body["errors"][0]["message"] == missing["errors"][0]["message"]


async def test_an_admin_deletes_a_library_with_its_memberships_and_media_links(
    api, connection
) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    await add_member(api, owner, library["uuid"], member)
    assert "errors" not in await add_media(api, owner, library["uuid"], media_id)
    body = await api.gql(
        DELETE_LIBRARY, {"input": {"libraryId": library["id"], "clientMutationId": "d"}}, user=owner
    )
    assert body["data"]["deleteLibrary"] == {
        "clientMutationId": "d",
        "deletedLibraryId": library["id"],
    }
    assert codes(await api.gql(LIBRARY, {"id": library["id"]}, user=owner)) == [
        "E_LIBRARY_NOT_FOUND"
    ]
    left = await connection.execute(
        select(memberships.c.user_id).where(memberships.c.library_id == library["uuid"])
    )
    assert left.all() == []
    links = await connection.execute(
        select(library_media.c.library_id).where(library_media.c.media_id == media_id)
    )
    # The media stays in both members' default libraries (the closure put it there).
    assert {row.library_id for row in links} == {
        await default_library_id(connection, owner),
        await default_library_id(connection, member),
    }


async def test_any_admin_may_delete_a_library(api) -> None:
    owner, admin = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], admin, "ADMIN")
    body = await api.gql(DELETE_LIBRARY, {"input": {"libraryId": library["id"]}}, user=admin)
    assert body["data"]["deleteLibrary"]["deletedLibraryId"] == library["id"]
    assert body["data"]["deleteLibrary"]["clientMutationId"] is None


async def test_the_default_library_cannot_be_deleted(api, connection) -> None:
    user = await api.new_user()
    default = library_gid(await default_library_id(connection, user))
    body = await api.gql(DELETE_LIBRARY, {"input": {"libraryId": default}}, user=user)
    assert codes(body) == ["E_DEFAULT_LIBRARY_FORBIDDEN"]
    assert (await api.data(LIBRARY, {"id": default}, user=user))["library"]["name"] == "My Library"


async def test_a_member_who_is_not_an_admin_cannot_delete(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    body = await api.gql(DELETE_LIBRARY, {"input": {"libraryId": library["id"]}}, user=member)
    assert codes(body) == ["E_FORBIDDEN"]


async def test_deleting_a_library_one_is_not_a_member_of_is_library_not_found(api) -> None:
    owner, stranger = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    body = await api.gql(DELETE_LIBRARY, {"input": {"libraryId": library["id"]}}, user=stranger)
    assert codes(body) == ["E_LIBRARY_NOT_FOUND"]
    gone = library_gid("00000000-0000-4000-8000-00000000dead")
    body = await api.gql(DELETE_LIBRARY, {"input": {"libraryId": gone}}, user=owner)
    assert codes(body) == ["E_LIBRARY_NOT_FOUND"]
    assert (await api.data(LIBRARY, {"id": library["id"]}, user=owner))["library"] is not None


async def test_a_failed_mutation_leaves_nothing_behind(api, connection) -> None:
    # addLibraryMember inserts the membership before the closure; make the closure fail
    # (a media row deleted under it) and nothing of the mutation may remain.
    owner, newcomer = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await connection.exec_driver_sql(
        "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
    )
    media_id = await create_media(connection)
    assert "errors" not in await add_media(api, owner, library["uuid"], media_id)
    await connection.exec_driver_sql(
        "CREATE TRIGGER refuse BEFORE INSERT ON library_media "
        "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
    )
    body = await add_member(api, owner, library["uuid"], newcomer)
    assert codes(body) == ["E_INTERNAL"]
    await connection.exec_driver_sql("DROP TRIGGER refuse ON library_media")
    members = await connection.execute(
        select(memberships.c.user_id).where(memberships.c.library_id == library["uuid"])
    )
    assert [row.user_id for row in members] == [owner]
