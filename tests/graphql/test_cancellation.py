"""A failing non-null field cancels its siblings; their statements must not be torn down."""

from __future__ import annotations

from tests.factories import create_media, default_library_id, put_media

FAILING = """{ viewer {
  defaultLibrary { name media(first: 50) { totalCount edges { node { title
    fragments(first: 5) { totalCount } } } } }
  libraries(first: -1) { totalCount }
} }"""


async def test_a_failed_sibling_leaves_the_connection_usable(api, connection) -> None:
    user = await api.new_user()
    default = await default_library_id(connection, user)
    for _ in range(30):
        await put_media(connection, default, await create_media(connection, fragment_count=5))
    for _ in range(5):
        body = await api.gql(FAILING, user=user)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["E_INVALID_REQUEST"]
        after = await api.data(
            "{ viewer { defaultLibrary { media(first: 1) { totalCount } } } }", user=user
        )
        assert after["viewer"]["defaultLibrary"]["media"]["totalCount"] == 30
