"""What a viewer may see: `node`, `nodes`, `library`, `media`, and nothing leaks."""

from __future__ import annotations

from uuid import uuid4

from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import (
    LIBRARY,
    MEDIA,
    add_media,
    add_member,
    codes,
    create_library,
    library_gid,
    media_gid,
    user_gid,
)

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { uuid }
    ... on Library { name }
    ... on Membership { role }
    ... on Media { title }
    ... on Fragment { idx media { uuid } }
  }
}"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def _fragment_id(connection, media_id) -> str:
    result = await connection.exec_driver_sql(
        "SELECT id FROM fragments WHERE media_id = %s AND idx = 0", (media_id,)
    )
    return global_id("Fragment", result.scalar_one())


async def _shared_world(api, connection):
    """A owns a library shared with B (holding M1), C is a stranger; M2 is in no library."""
    a, b, c = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, a, "Shared")
    await add_member(api, a, library["uuid"], b)
    m1 = await create_media(connection, title="M1", fragment_count=2)
    m2 = await create_media(connection, title="M2", fragment_count=1)
    await add_media(api, a, library["uuid"], m1)
    return a, b, c, library, m1, m2


async def test_node_refetches_every_type_the_viewer_may_see(api, connection) -> None:
    a, b, _c, library, m1, _m2 = await _shared_world(api, connection)
    ids = {
        "User": user_gid(b),
        "Library": library["id"],
        "Membership": global_id("Membership", library["uuid"], b),
        "Media": media_gid(m1),
        "Fragment": await _fragment_id(connection, m1),
    }
    for type_name, node_id in ids.items():
        node = (await api.data(NODE, {"id": node_id}, user=a))["node"]
        assert node["__typename"] == type_name
        assert node["id"] == node_id
    fragment = (await api.data(NODE, {"id": ids["Fragment"]}, user=b))["node"]
    assert fragment == {
        "__typename": "Fragment",
        "id": ids["Fragment"],
        "idx": 0,
        "media": {"uuid": str(m1)},
    }
    ordered = await api.data(NODES, {"ids": list(ids.values())}, user=b)
    assert [node["__typename"] for node in ordered["nodes"]] == list(ids)


async def test_node_answers_the_same_for_invisible_and_missing_objects(api, connection) -> None:
    a, _b, c, library, m1, m2 = await _shared_world(api, connection)
    fragment_of_m2 = await _fragment_id(connection, m2)
    cases = {
        "E_LIBRARY_NOT_FOUND": (library["id"], library_gid(uuid4())),
        "E_MEDIA_NOT_FOUND": (media_gid(m1), media_gid(uuid4())),
        "E_NOT_FOUND": (user_gid(a), user_gid(uuid4())),
    }
    for code, (invisible, missing) in cases.items():
        hidden = await api.gql(NODE, {"id": invisible}, user=c)
        absent = await api.gql(NODE, {"id": missing}, user=c)
        assert hidden["data"] == absent["data"] == {"node": None}
        assert codes(hidden) == codes(absent) == [code]
        assert hidden["errors"][0]["message"] == absent["errors"][0]["message"]
        assert hidden["errors"][0]["path"] == ["node"]
    membership = global_id("Membership", library["uuid"], a)
    assert codes(await api.gql(NODE, {"id": membership}, user=c)) == ["E_NOT_FOUND"]
    assert codes(await api.gql(NODE, {"id": fragment_of_m2}, user=a)) == ["E_NOT_FOUND"]


async def test_nodes_masks_each_item_at_its_index(api, connection) -> None:
    a, _b, _c, library, m1, m2 = await _shared_world(api, connection)
    ids = [library["id"], media_gid(m2), "not-an-id", media_gid(m1), library_gid(uuid4())]
    body = await api.gql(NODES, {"ids": ids}, user=a)
    assert [node and node["id"] for node in body["data"]["nodes"]] == [
        library["id"],
        None,
        None,
        media_gid(m1),
        None,
    ]
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert errors == {
        ("nodes", 1): "E_MEDIA_NOT_FOUND",
        ("nodes", 2): "E_INVALID_REQUEST",
        ("nodes", 4): "E_LIBRARY_NOT_FOUND",
    }


async def test_nodes_takes_at_most_200_ids(api) -> None:
    user = await api.new_user()
    ok = await api.gql(NODES, {"ids": [user_gid(user)] * 200}, user=user)
    assert len(ok["data"]["nodes"]) == 200
    too_many = await api.gql(NODES, {"ids": [user_gid(user)] * 201}, user=user)
    assert too_many["data"] is None
    assert codes(too_many) == ["E_INVALID_REQUEST"]


async def test_a_user_sees_themselves_and_the_users_they_share_a_library_with(
    api, connection
) -> None:
    a, b, c, *_ = await _shared_world(api, connection)
    assert (await api.data(NODE, {"id": user_gid(a)}, user=a))["node"]["uuid"] == str(a)
    assert (await api.data(NODE, {"id": user_gid(a)}, user=b))["node"]["uuid"] == str(a)
    assert codes(await api.gql(NODE, {"id": user_gid(b)}, user=c)) == ["E_NOT_FOUND"]


async def test_library_by_id_is_for_members_only(api, connection) -> None:
    a, b, c, library, *_ = await _shared_world(api, connection)
    assert (await api.data(LIBRARY, {"id": library["id"]}, user=a))["library"]["viewerRole"] == (
        "ADMIN"
    )
    assert (await api.data(LIBRARY, {"id": library["id"]}, user=b))["library"]["viewerRole"] == (
        "MEMBER"
    )
    hidden = await api.gql(LIBRARY, {"id": library["id"]}, user=c)
    assert hidden["data"] == {"library": None}
    assert hidden["errors"][0]["path"] == ["library"]
    assert codes(hidden) == ["E_LIBRARY_NOT_FOUND"]
    assert hidden["errors"][0]["extensions"]["status"] == 404


async def test_media_by_id_is_for_readers_only(api, connection) -> None:
    a, b, c, _library, m1, m2 = await _shared_world(api, connection)
    for reader in (a, b):
        assert (await api.data(MEDIA, {"id": media_gid(m1)}, user=reader))["media"]["title"] == "M1"
    for user, media_id in ((c, m1), (a, m2)):
        body = await api.gql(MEDIA, {"id": media_gid(media_id)}, user=user)
        assert body["data"] == {"media": None}
        assert codes(body) == ["E_MEDIA_NOT_FOUND"]


async def test_media_libraries_lists_only_the_viewer_libraries(api, connection) -> None:
    a, b, _c, library, m1, _m2 = await _shared_world(api, connection)
    private = await create_library(api, a, "Private")
    await add_media(api, a, private["uuid"], m1)
    query = (
        "query($id: ID!) { media(id: $id) { libraries { totalCount edges { node { uuid } } } } }"
    )
    seen_by_a = (await api.data(query, {"id": media_gid(m1)}, user=a))["media"]["libraries"]
    seen_by_b = (await api.data(query, {"id": media_gid(m1)}, user=b))["media"]["libraries"]
    a_default = str(await default_library_id(connection, a))
    b_default = str(await default_library_id(connection, b))
    assert {e["node"]["uuid"] for e in seen_by_a["edges"]} == {
        a_default,
        library["uuid"],
        private["uuid"],
    }
    assert seen_by_a["totalCount"] == 3
    assert {e["node"]["uuid"] for e in seen_by_b["edges"]} == {b_default, library["uuid"]}
    assert seen_by_b["totalCount"] == 2


async def test_a_media_reached_through_a_library_is_readable_with_its_fragments(
    api, connection
) -> None:
    a = await api.new_user()
    media_id = await create_media(connection, title="Essay", fragment_count=3)
    await put_media(connection, await default_library_id(connection, a), media_id)
    data = await api.data(
        "query($id: ID!) { media(id: $id) { fragments { totalCount edges { node { idx "
        "canonicalText htmlSanitized media { title } } } } } }",
        {"id": media_gid(media_id)},
        user=a,
    )
    fragments = data["media"]["fragments"]
    assert fragments["totalCount"] == 3
    assert [e["node"]["idx"] for e in fragments["edges"]] == [0, 1, 2]
    assert fragments["edges"][0]["node"] == {
        "idx": 0,
        "canonicalText": "Paragraph 0 of Essay.",
        "htmlSanitized": "<p>Paragraph 0 of Essay.</p>",
        "media": {"title": "Essay"},
    }
