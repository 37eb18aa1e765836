"""The highlight lists' order, pages and cursors (Fragment.highlights, Media.highlights),
and 50 concurrent creates of one range."""

from __future__ import annotations

import asyncio
import base64
from uuid import UUID

import pytest
from sqlalchemy import text

from tests.factories import create_media, default_library_id, put_media
from tests.graphql.highlighting import (
    OF_FRAGMENT,
    OF_MEDIA,
    create,
    created,
    fragment_gid,
    of_fragment,
    of_media,
    readable_text,
)
from tests.graphql.operations import add_media, add_member, codes, create_library, media_gid

RANGES = [(4, 9), (0, 5), (0, 3), (2, 3), (0, 12), (6, 7)]


def _order(highlights: list[dict]) -> list[str]:
    """The list order: (fragment idx,) startOffset, endOffset, createdAt, id."""
    key = lambda h: (  # noqa: E731
        h["fragment"]["idx"],
        h["startOffset"],
        h["endOffset"],
        h["createdAt"],
        UUID(h["uuid"]),
    )
    return [h["uuid"] for h in sorted(highlights, key=key)]


async def _walk(api, user, query, variables, first):
    """Every node of a list, page by page; checks the page facts on the way."""
    seen, after, pages = [], None, 0
    while True:
        body = await api.data(query, {**variables, "first": first, "after": after}, user=user)
        page = body["media"]["highlights"] if "media" in body else body["node"]["highlights"]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert len(page["edges"]) <= first
        if page["edges"]:
            assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, pages, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def _highlighted(api, connection):
    """a and b share the media (three fragments); both highlight several ranges, a and b
    some of the same ones (same createdAt in this transaction: the id breaks the tie)."""
    a, b = await api.new_user(), await api.new_user()
    media_id, fragments = await readable_text(api, connection, a, ["Hello, world!"] * 3)
    library = await create_library(api, a, "Shared")
    await add_member(api, a, library["uuid"], b)
    await add_media(api, a, library["uuid"], media_id)
    made = []
    for fragment in reversed(fragments):
        for start, end in RANGES:
            made.append(await created(api, a, fragment, start, end))
        for start, end in RANGES[:2]:
            made.append(await created(api, b, fragment, start, end))
    return a, b, media_id, fragments, made


@pytest.mark.parametrize("first", [1, 4, 100])
async def test_media_highlights_in_order_page_by_page(api, connection, first) -> None:
    a, b, media_id, _, made = await _highlighted(api, connection)
    variables = {"id": media_gid(media_id), "mine": False}
    seen, pages, total = await _walk(api, b, OF_MEDIA, variables, first)
    assert [h["uuid"] for h in seen] == _order(made)
    assert total == len(made) == 24
    assert pages == -(-24 // first)  # hasNextPage is exact: no empty last page
    mine, _, total = await _walk(api, a, OF_MEDIA, {"id": media_gid(media_id)}, first)
    assert [h["uuid"] for h in mine] == _order([h for h in made if h["author"]["uuid"] == str(a)])
    assert total == 18


@pytest.mark.parametrize("first", [1, 3])
async def test_fragment_highlights_in_order_page_by_page(api, connection, first) -> None:
    _, b, _, fragments, made = await _highlighted(api, connection)
    variables = {"id": fragment_gid(fragments[1]), "mine": False}
    seen, _, total = await _walk(api, b, OF_FRAGMENT, variables, first)
    expected = [h for h in made if h["fragment"]["uuid"] == str(fragments[1])]
    assert [h["uuid"] for h in seen] == _order(expected)
    assert total == 8


async def test_a_cursor_of_another_list_or_a_bad_page_size_is_e_invalid_request(
    api, connection
) -> None:
    a, _, media_id, fragments, _ = await _highlighted(api, connection)
    media_cursor = (await of_media(api, a, media_id, first=1))["pageInfo"]["endCursor"]
    fragment_cursor = (await of_fragment(api, a, fragments[0], first=1))["pageInfo"]["endCursor"]
    bad = base64.b64encode(b"media_highlights:0:0:x:y:z").decode()
    for query, variables in (
        (OF_MEDIA, {"id": media_gid(media_id), "after": fragment_cursor}),
        (OF_MEDIA, {"id": media_gid(media_id), "after": bad}),
        (OF_FRAGMENT, {"id": fragment_gid(fragments[0]), "after": media_cursor}),
        (OF_MEDIA, {"id": media_gid(media_id), "first": 201}),
        (OF_FRAGMENT, {"id": fragment_gid(fragments[0]), "first": -1}),
    ):
        assert codes(await api.gql(query, variables, user=a)) == ["E_INVALID_REQUEST"]


async def test_first_0_and_the_default_page_of_100(api, connection) -> None:
    viewer = await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, ["x" * 200])
    await connection.execute(
        text(
            "INSERT INTO highlights (fragment_id, author_user_id, start_offset, end_offset) "
            "SELECT :f, :u, i, i + 1 FROM generate_series(0, 149) AS i"
        ),
        {"f": fragment, "u": viewer},
    )
    empty = await of_media(api, viewer, media_id, first=0)
    assert (empty["edges"], empty["totalCount"]) == ([], 150)
    assert empty["pageInfo"]["hasNextPage"] is True
    page = await of_media(api, viewer, media_id)
    assert [e["node"]["startOffset"] for e in page["edges"]] == list(range(100))
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await of_media(api, viewer, media_id, after=page["pageInfo"]["endCursor"], first=200)
    assert [e["node"]["startOffset"] for e in rest["edges"]] == list(range(100, 150))


async def test_50_concurrent_creates_of_one_range_make_one_highlight(committed_api, engine) -> None:
    viewer = await committed_api.new_user()
    async with engine.begin() as connection:
        media_id = await create_media(connection, fragment_count=1)
        await put_media(connection, await default_library_id(connection, viewer), media_id)
        fragment = await connection.scalar(
            text("SELECT id FROM fragments WHERE media_id = :m"), {"m": media_id}
        )
    bodies = await asyncio.gather(
        *(create(committed_api, viewer, fragment, 0, 9, note=f"n{i}") for i in range(50))
    )
    succeeded = [body for body in bodies if "errors" not in body]
    assert len(succeeded) == 1
    assert (
        sorted(codes(body)[0] for body in bodies if "errors" in body)
        == ["E_HIGHLIGHT_CONFLICT"] * 49
    )
    async with engine.connect() as connection:
        stored = await connection.scalar(text("SELECT count(*) FROM highlights"))
    assert stored == 1
    page = await of_media(committed_api, viewer, media_id)
    assert page["edges"][0]["node"] == succeeded[0]["data"]["createHighlight"]["highlight"]


async def test_the_cost_limit_counts_the_highlight_lists(api, connection) -> None:
    viewer = await api.new_user()
    media_id, _ = await readable_text(api, connection, viewer, ["Hello"])
    reader = (
        "query($id: ID!) { media(id: $id) { fragments(first: 100) { edges { node { "
        "highlights%s { edges { node { id } } } } } } highlights { totalCount } } }"
    )
    refused = await api.post(reader % "", {"id": media_gid(media_id)}, user=viewer)
    body = refused.json()
    assert codes(body) == ["E_INVALID_REQUEST"]
    # 100 fragments, 100 highlights each by default, and the media's 100 highlights.
    assert body["errors"][0]["extensions"]["cost"] == {"requested": 10_200, "maximum": 10_000}
    allowed = await api.gql(reader % "(first: 20)", {"id": media_gid(media_id)}, user=viewer)
    assert allowed["extensions"]["cost"]["requested"] == 100 + 100 * 20 + 100
