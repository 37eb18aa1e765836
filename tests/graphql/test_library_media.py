"""Adding media to and removing media from libraries, and the default library closure."""

from __future__ import annotations

from uuid import uuid4

from tests.factories import create_media, default_library_id, library_media_ids, put_media
from tests.graphql.operations import (
    add_media,
    add_member,
    can_read,
    codes,
    create_library,
    media_gid,
    remove_media,
    remove_member,
)


async def test_an_admin_adds_media_to_a_library(api, connection) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection, title="On Reading")
    body = await api.gql(
        """mutation($input: AddMediaToLibraryInput!) { addMediaToLibrary(input: $input) {
             clientMutationId addedAt library { uuid } media { id title }
             } }""",
        {
            "input": {
                "libraryId": library["id"],
                "mediaId": media_gid(media_id),
                "clientMutationId": "add-1",
            }
        },
        user=owner,
    )
    payload = body["data"]["addMediaToLibrary"]
    assert payload["clientMutationId"] == "add-1"
    assert payload["library"] == {"uuid": library["uuid"]}
    assert payload["media"] == {"id": media_gid(media_id), "title": "On Reading"}
    page = await api.data(
        "query($id: ID!) { library(id: $id) { media { totalCount edges { addedAt "
        "node { uuid } } } } }",
        {"id": library["id"]},
        user=owner,
    )
    assert page["library"]["media"] == {
        "totalCount": 1,
        "edges": [{"addedAt": payload["addedAt"], "node": {"uuid": str(media_id)}}],
    }


async def test_adding_media_twice_keeps_the_first_added_at(api, connection) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    await add_media(api, owner, library["uuid"], media_id)
    await connection.exec_driver_sql(
        "UPDATE library_media SET created_at = '2024-01-02T03:04:05.678901Z' "
        "WHERE library_id = %s AND media_id = %s",
        (library["uuid"], media_id),
    )
    again = await add_media(api, owner, library["uuid"], media_id)
    assert again["data"]["addMediaToLibrary"]["addedAt"] == "2024-01-02T03:04:05.678901+00:00"
    assert await library_media_ids(connection, library["uuid"]) == {media_id}


async def test_adding_media_that_does_not_exist_is_media_not_found(api) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    body = await add_media(api, owner, library["uuid"], uuid4())
    assert body["data"] == {"addMediaToLibrary": None}
    assert codes(body) == ["E_MEDIA_NOT_FOUND"]


async def test_any_existing_media_may_be_added_even_one_the_viewer_cannot_read(
    api, connection
) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    assert not await can_read(api, owner, media_id)
    assert "errors" not in await add_media(api, owner, library["uuid"], media_id)
    assert await can_read(api, owner, media_id)


async def test_only_admins_add_media(api, connection) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    media_id = await create_media(connection)
    assert codes(await add_media(api, member, library["uuid"], media_id)) == ["E_FORBIDDEN"]
    assert await library_media_ids(connection, library["uuid"]) == set()


async def test_a_non_member_cannot_add_media(api, connection) -> None:
    owner, stranger = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    assert codes(await add_media(api, stranger, library["uuid"], media_id)) == [
        "E_LIBRARY_NOT_FOUND"
    ]


async def test_adding_media_adds_it_to_every_member_default_library(api, connection) -> None:
    owner, first, second = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], first)
    await add_member(api, owner, library["uuid"], second, "ADMIN")
    media_id = await create_media(connection)
    assert "errors" not in await add_media(api, second, library["uuid"], media_id)
    for user in (owner, first, second):
        default = await default_library_id(connection, user)
        assert await library_media_ids(connection, default) == {media_id}


async def test_an_admin_removes_media_from_a_library(api, connection) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    await add_media(api, owner, library["uuid"], media_id)
    body = await remove_media(api, owner, library["uuid"], media_id)
    payload = body["data"]["removeMediaFromLibrary"]
    assert payload["removedMediaId"] == media_gid(media_id)
    assert payload["library"] == {"uuid": library["uuid"]}
    assert await library_media_ids(connection, library["uuid"]) == set()


async def test_removing_media_from_a_library_leaves_default_libraries_alone(
    api, connection
) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    media_id = await create_media(connection)
    await add_media(api, owner, library["uuid"], media_id)
    assert "errors" not in await remove_media(api, owner, library["uuid"], media_id)
    for user in (owner, member):
        default = await default_library_id(connection, user)
        assert await library_media_ids(connection, default) == {media_id}


async def test_removing_media_the_library_does_not_hold_is_media_not_found(api, connection) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    media_id = await create_media(connection)
    assert codes(await remove_media(api, owner, library["uuid"], media_id)) == ["E_MEDIA_NOT_FOUND"]
    assert codes(await remove_media(api, owner, library["uuid"], uuid4())) == ["E_MEDIA_NOT_FOUND"]


async def test_only_admins_remove_media(api, connection) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    media_id = await create_media(connection)
    await add_media(api, owner, library["uuid"], media_id)
    assert codes(await remove_media(api, member, library["uuid"], media_id)) == ["E_FORBIDDEN"]
    assert await library_media_ids(connection, library["uuid"]) == {media_id}


async def test_removing_from_the_default_library_keeps_it_in_libraries_with_other_members(
    api, connection
) -> None:
    viewer, friend = await api.new_user(), await api.new_user()
    alone = await create_library(api, viewer, "Alone")
    shared = await create_library(api, viewer, "Shared")
    await add_member(api, viewer, shared["uuid"], friend)
    media_id = await create_media(connection)
    await add_media(api, viewer, alone["uuid"], media_id)
    await add_media(api, viewer, shared["uuid"], media_id)
    default = await default_library_id(connection, viewer)
    assert "errors" not in await remove_media(api, viewer, default, media_id)
    assert await library_media_ids(connection, default) == set()
    assert await library_media_ids(connection, alone["uuid"]) == set()
    assert await library_media_ids(connection, shared["uuid"]) == {media_id}
    assert await can_read(api, viewer, media_id)  # through the shared library
    friend_default = await default_library_id(connection, friend)
    assert await library_media_ids(connection, friend_default) == {media_id}


async def test_removing_from_the_default_library_leaves_libraries_owned_by_others(
    api, connection
) -> None:
    viewer, owner = await api.new_user(), await api.new_user()
    theirs = await create_library(api, owner)
    await add_member(api, owner, theirs["uuid"], viewer)
    media_id = await create_media(connection)
    await add_media(api, owner, theirs["uuid"], media_id)
    viewer_default = await default_library_id(connection, viewer)
    assert "errors" not in await remove_media(api, viewer, viewer_default, media_id)
    assert await library_media_ids(connection, theirs["uuid"]) == {media_id}


# The multi-user closure scenarios: A and B, A's libraries LA and LB, media M.


async def _a_with_m_in_la(api, connection):
    a, b = await api.new_user(), await api.new_user()
    la = await create_library(api, a, "LA")
    m = await create_media(connection, title="M")
    assert "errors" not in await add_media(api, a, la["uuid"], m)
    return a, b, la, m


async def test_closure_a_adds_m_to_la_and_reads_it(api, connection) -> None:
    a, _b, la, m = await _a_with_m_in_la(api, connection)
    assert await can_read(api, a, m)
    a_default = await default_library_id(connection, a)
    assert await library_media_ids(connection, a_default) == {m}
    assert await library_media_ids(connection, la["uuid"]) == {m}


async def test_closure_b_cannot_read_a_media_only_in_a_libraries(api, connection) -> None:
    _a, b, _la, m = await _a_with_m_in_la(api, connection)
    assert not await can_read(api, b, m)


async def test_closure_a_new_library_without_m_still_lets_a_read_it(api, connection) -> None:
    a, _b, _la, m = await _a_with_m_in_la(api, connection)
    lb = await create_library(api, a, "LB")
    assert await library_media_ids(connection, lb["uuid"]) == set()
    assert await can_read(api, a, m)


async def test_closure_removing_m_from_the_default_library_removes_it_from_sole_member_libraries(
    api, connection
) -> None:
    a, _b, la, m = await _a_with_m_in_la(api, connection)
    lb = await create_library(api, a, "LB")
    await add_media(api, a, lb["uuid"], m)
    a_default = await default_library_id(connection, a)
    assert "errors" not in await remove_media(api, a, a_default, m)
    assert await library_media_ids(connection, la["uuid"]) == set()
    assert await library_media_ids(connection, lb["uuid"]) == set()
    assert not await can_read(api, a, m)


async def test_closure_b_adding_m_to_b_library_lets_b_read_it_while_a_cannot(
    api, connection
) -> None:
    a, b, _la, m = await _a_with_m_in_la(api, connection)
    await remove_media(api, a, await default_library_id(connection, a), m)
    lb_of_b = await create_library(api, b, "B's")
    assert "errors" not in await add_media(api, b, lb_of_b["uuid"], m)
    assert await can_read(api, b, m)
    assert not await can_read(api, a, m)


async def test_closure_sharing_a_library_shares_its_media_and_leaving_keeps_them(
    api, connection
) -> None:
    a, b, la, m = await _a_with_m_in_la(api, connection)
    await add_member(api, a, la["uuid"], b)
    assert await can_read(api, b, m)
    b_default = await default_library_id(connection, b)
    assert await library_media_ids(connection, b_default) == {m}
    assert "errors" not in await remove_member(api, b, la["uuid"], b)
    assert await library_media_ids(connection, b_default) == {m}
    assert await can_read(api, b, m)


async def test_media_fields_map_the_database_values(api, connection) -> None:
    owner = await api.new_user()
    default = await default_library_id(connection, owner)
    media_id = await create_media(
        connection, title="Talk", kind="podcast_episode", url=None, status="embedding"
    )
    await put_media(connection, default, media_id)
    data = await api.data(
        "query($id: ID!) { media(id: $id) { id uuid kind title canonicalSourceUrl "
        "processingStatus createdAt updatedAt } }",
        {"id": media_gid(media_id)},
        user=owner,
    )
    media = data["media"]
    assert media["kind"] == "PODCAST_EPISODE"
    assert media["processingStatus"] == "EMBEDDING"
    assert media["canonicalSourceUrl"] is None
    assert media["createdAt"].endswith("+00:00")
