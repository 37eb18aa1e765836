"""Who sees a highlight (reading.md, Highlights): the author while they can read the
media; another viewer while both are members of one library holding the media; `mine`."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import default_library_id, put_media
from tests.graphql.highlighting import NODE, created, of_fragment, of_media, readable_text, uuids
from tests.graphql.operations import (
    add_media,
    add_member,
    codes,
    create_library,
    remove_media,
    remove_member,
)

TEXT = "Hello, world!"


async def _shared(api, connection):
    """a and b share a library holding the media; c reads the media through a library of
    their own (not shared with a); each has highlighted it."""
    a, b, c = await api.new_user(), await api.new_user(), await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, a, [TEXT])
    library = await create_library(api, b, "Shared")
    await add_member(api, b, library["uuid"], a)
    await add_media(api, a, await default_library_id(connection, a), media_id)
    await put_media(connection, await default_library_id(connection, c), media_id)
    await add_media(api, b, library["uuid"], media_id)
    mine = {user: await created(api, user, fragment, 0, 5) for user in (a, b, c)}
    return (a, b, c), media_id, fragment, library, mine


async def test_mine_is_the_default_and_lists_only_the_viewers_own(api, connection) -> None:
    (a, b, c), media_id, fragment, _, mine = await _shared(api, connection)
    for user in (a, b, c):
        for page in (
            await of_media(api, user, media_id),
            await of_media(api, user, media_id, mine=True),
            await of_media(api, user, media_id, mine=None),
            await of_fragment(api, user, fragment),
        ):
            assert uuids(page) == [mine[user]["uuid"]]
            assert page["totalCount"] == 1


async def test_members_of_one_library_holding_the_media_see_each_others(api, connection) -> None:
    (a, b, c), media_id, fragment, _, mine = await _shared(api, connection)
    for user, others in ((a, {b}), (b, {a}), (c, set())):
        expected = {mine[u]["uuid"] for u in {user} | others}
        page = await of_media(api, user, media_id, mine=False)
        assert set(uuids(page)) == expected
        assert page["totalCount"] == len(expected)
        assert set(uuids(await of_fragment(api, user, fragment, mine=False))) == expected
        owners = {e["node"]["uuid"]: e["node"]["isOwner"] for e in page["edges"]}
        assert owners == {h: h == mine[user]["uuid"] for h in expected}


async def test_node_finds_a_highlight_for_those_who_may_see_it(api, connection) -> None:
    (a, b, c), _, _, _, mine = await _shared(api, connection)
    highlight_id = mine[a]["id"]
    assert (await api.data(NODE, {"id": highlight_id}, user=b))["node"]["uuid"] == mine[a]["uuid"]
    body = await api.gql(NODE, {"id": highlight_id}, user=c)
    assert body["data"] == {"node": None}
    assert codes(body) == ["E_HIGHLIGHT_NOT_FOUND"]
    nodes = await api.gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Highlight { uuid exact } } }",
        {"ids": [highlight_id, mine[c]["id"]]},
        user=c,
    )
    assert nodes["data"]["nodes"] == [None, {"uuid": mine[c]["uuid"], "exact": "Hello"}]
    assert codes(nodes) == ["E_HIGHLIGHT_NOT_FOUND"]


async def test_after_leaving_the_library_the_authors_stay_and_others_stop_seeing_them(
    api, connection
) -> None:
    (a, b, _), media_id, _, library, mine = await _shared(api, connection)
    assert "errors" not in await remove_member(api, a, library["uuid"], a)
    # a still reads the media through their default library (the closure put it there).
    assert uuids(await of_media(api, a, media_id, mine=False)) == [mine[a]["uuid"]]
    assert uuids(await of_media(api, b, media_id, mine=False)) == [mine[b]["uuid"]]
    assert codes(await api.gql(NODE, {"id": mine[a]["id"]}, user=b)) == ["E_HIGHLIGHT_NOT_FOUND"]
    assert (await api.data(NODE, {"id": mine[a]["id"]}, user=a))["node"] == mine[a]


async def test_the_author_loses_their_highlights_with_the_media(api, connection) -> None:
    (a, b, _), media_id, _, library, mine = await _shared(api, connection)
    await remove_media(api, b, library["uuid"], media_id)
    await remove_media(api, a, await default_library_id(connection, a), media_id)
    body = await api.gql(NODE, {"id": mine[a]["id"]}, user=a)
    assert codes(body) == ["E_HIGHLIGHT_NOT_FOUND"]
    # b still reads the media (their default library keeps it), but no longer shares a
    # library holding it with a.
    assert uuids(await of_media(api, b, media_id, mine=False)) == [mine[b]["uuid"]]


async def test_a_fragments_highlights_go_with_it(api, connection) -> None:
    (a, b, _), media_id, fragment, _, _ = await _shared(api, connection)
    await connection.execute(text("DELETE FROM fragments WHERE id = :f"), {"f": fragment})
    for user in (a, b):
        assert (await of_media(api, user, media_id, mine=False))["totalCount"] == 0
    left = await connection.scalar(text("SELECT count(*) FROM highlights"))
    assert left == 0
