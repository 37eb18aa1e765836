"""Malformed and wrong-type ids, bad cursors and page sizes: E_INVALID_REQUEST, before SQL."""

from __future__ import annotations

import base64
from uuid import uuid4

import pytest

from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import (
    ADD_MEDIA,
    ADD_MEMBER,
    LIBRARY,
    MEDIA,
    RENAME_LIBRARY,
    codes,
    library_gid,
    media_gid,
    user_gid,
)

NODE = "query($id: ID!) { node(id: $id) { id } }"


def b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


MALFORMED_IDS = {
    "not-base64": "not an id!",
    "base64-of-garbage": b64("garbage"),
    "no-uuid": b64("Library:"),
    "bad-uuid": b64("Library:1234"),
    "unknown-type": b64(f"Book:{uuid4()}"),
    "membership-with-one-uuid": b64(f"Membership:{uuid4()}"),
    "user-with-two-uuids": b64(f"User:{uuid4()}:{uuid4()}"),
    "invalid-utf8": base64.b64encode(b"\xff\xfe:1").decode(),
    "unpadded": b64(f"Library:{uuid4()}").rstrip("="),
    "empty": "",
}


@pytest.mark.parametrize("node_id", MALFORMED_IDS.values(), ids=MALFORMED_IDS.keys())
async def test_malformed_global_ids_are_invalid_before_any_sql(api, statements, node_id) -> None:
    user = await api.new_user()
    statements.reset()
    body = await api.gql(NODE, {"id": node_id}, user=user)
    assert body["data"] == {"node": None}
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert body["errors"][0]["extensions"]["status"] == 400
    assert statements.count == 0, statements.statements


@pytest.mark.parametrize(
    ("query", "wrong"),
    [
        (LIBRARY, lambda: media_gid(uuid4())),
        (LIBRARY, lambda: user_gid(uuid4())),
        (LIBRARY, lambda: global_id("Membership", uuid4(), uuid4())),
        (MEDIA, lambda: library_gid(uuid4())),
        (MEDIA, lambda: global_id("Fragment", uuid4())),
    ],
    ids=[
        "library<-media",
        "library<-user",
        "library<-membership",
        "media<-library",
        "media<-fragment",
    ],
)
async def test_a_global_id_of_the_wrong_type_is_invalid(api, statements, query, wrong) -> None:
    user = await api.new_user()
    statements.reset()
    body = await api.gql(query, {"id": wrong()}, user=user)
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert statements.count == 0


async def test_mutation_inputs_with_wrong_type_ids_are_invalid_and_change_nothing(
    api, connection, statements
) -> None:
    user = await api.new_user()
    default = await default_library_id(connection, user)
    media_id = await create_media(connection)
    statements.reset()
    wrong_inputs = [
        (RENAME_LIBRARY, {"libraryId": media_gid(media_id), "name": "X"}),
        (ADD_MEDIA, {"libraryId": library_gid(default), "mediaId": library_gid(default)}),
        (ADD_MEDIA, {"libraryId": media_gid(media_id), "mediaId": media_gid(media_id)}),
        (ADD_MEMBER, {"libraryId": library_gid(default), "userId": library_gid(default)}),
        (ADD_MEMBER, {"libraryId": library_gid(default), "userId": "nope"}),
    ]
    for mutation, fields in wrong_inputs:
        body = await api.gql(mutation, {"input": fields}, user=user)
        assert codes(body) == ["E_INVALID_REQUEST"], (mutation, fields)
    assert statements.count == 0, statements.statements


LIBRARIES_PAGE = "query($first: Int, $after: String) { viewer { libraries(first: $first, after: $after) { totalCount edges { cursor } } } }"  # noqa: E501


@pytest.mark.parametrize("first", [-1, 201, 10_000, -(2**31)])
async def test_page_sizes_outside_0_to_200_are_invalid(api, statements, first) -> None:
    user = await api.new_user()
    statements.reset()
    body = await api.gql(LIBRARIES_PAGE, {"first": first}, user=user)
    assert body["data"] is None  # viewer.libraries is non-null: the error reaches the root
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert statements.count == 0


@pytest.mark.parametrize("first", [0, 1, 200, None])
async def test_page_sizes_0_to_200_are_served(api, first) -> None:
    user = await api.new_user()
    data = await api.data(LIBRARIES_PAGE, {"first": first}, user=user)
    assert data["viewer"]["libraries"]["totalCount"] == 1
    assert len(data["viewer"]["libraries"]["edges"]) == (0 if first == 0 else 1)


def _bad_cursors() -> dict[str, str]:
    uuid = uuid4()
    return {
        "garbage": "%%%",
        "not-base64-json": b64("{}"),
        "global-id": library_gid(uuid),
        "other-list": b64(f"library_media:1700000000000000:{uuid}"),
        "missing-part": b64("libraries:1700000000000000"),
        "extra-part": b64(f"libraries:1:{uuid}:{uuid}"),
        "bad-timestamp": b64(f"libraries:yesterday:{uuid}"),
        "timestamp-out-of-range": b64(f"libraries:{10**20}:{uuid}"),
        "bad-uuid": b64("libraries:1700000000000000:xyz"),
        "empty": "",
    }


@pytest.mark.parametrize("cursor", _bad_cursors().values(), ids=_bad_cursors().keys())
async def test_malformed_cursors_are_invalid_before_any_sql(api, statements, cursor) -> None:
    user = await api.new_user()
    statements.reset()
    body = await api.gql(LIBRARIES_PAGE, {"first": 2, "after": cursor}, user=user)
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert statements.count == 0


async def test_fragment_cursors_must_be_a_position(api, connection) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=2)
    await put_media(connection, await default_library_id(connection, user), media_id)
    query = (
        "query($id: ID!, $after: String) { media(id: $id) { fragments(after: $after) "
        "{ edges { node { idx } } } } }"
    )
    for cursor in (b64("fragments:x"), b64(f"fragments:{2**31}"), b64("libraries:1")):
        body = await api.gql(query, {"id": media_gid(media_id), "after": cursor}, user=user)
        assert codes(body) == ["E_INVALID_REQUEST"], cursor
    valid = await api.data(
        query, {"id": media_gid(media_id), "after": b64("fragments:0")}, user=user
    )
    assert valid["media"]["fragments"]["edges"] == [{"node": {"idx": 1}}]
