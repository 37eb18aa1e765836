"""updateHighlight and deleteHighlight (reading.md, Highlights): each field alone, the
rules of creation for what changes, and author-only writes."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest
from sqlalchemy import text

from tests.factories import global_id
from tests.graphql.highlighting import (
    NODE,
    created,
    delete,
    of_fragment,
    of_media,
    readable_text,
    update,
)
from tests.graphql.operations import add_media, add_member, codes, create_library

TEXT = "Hello, world!"


async def _highlight(api, connection, **fields):
    viewer = await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    highlight = await created(api, viewer, fragment, 0, 5, note="first", **fields)
    return viewer, media_id, fragment, highlight


def _changed(body) -> dict:
    assert "errors" not in body, body
    return body["data"]["updateHighlight"]["highlight"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"startOffset": 1}, {"startOffset": 1, "exact": "ello", "prefix": "H"}),
        ({"endOffset": 12}, {"endOffset": 12, "exact": "Hello, world", "suffix": "!"}),
        ({"color": "PINK"}, {"color": "PINK"}),
        ({"note": "second"}, {"note": "second"}),
        ({"note": None}, {"note": None}),
        ({"note": ""}, {"note": None}),
        (
            {"startOffset": 7, "endOffset": 12},
            {
                "startOffset": 7,
                "endOffset": 12,
                "exact": "world",
                "prefix": "Hello, ",
                "suffix": "!",
            },
        ),
    ],
    ids=["start", "end", "color", "note", "note-null", "note-empty", "range"],
)
async def test_an_update_changes_what_it_gives_and_nothing_else(
    api, connection, fields, expected
) -> None:
    viewer, _, _, before = await _highlight(api, connection, color="BLUE")
    after = _changed(await update(api, viewer, before["id"], **fields))
    unchanged = {k: v for k, v in before.items() if k not in (*expected, "updatedAt")}
    assert {k: after[k] for k in unchanged} == unchanged
    assert {k: after[k] for k in expected} == expected


async def test_an_update_with_nothing_given_changes_nothing(api, connection) -> None:
    viewer, _, _, before = await _highlight(api, connection)
    assert _changed(await update(api, viewer, before["id"], clientMutationId="x")) == before


async def test_the_update_is_what_the_lists_read_afterwards(api, connection) -> None:
    viewer, media_id, fragment, before = await _highlight(api, connection)
    await update(api, viewer, before["id"], color="PURPLE", note=None, startOffset=2)
    (node,) = [edge["node"] for edge in (await of_media(api, viewer, media_id))["edges"]]
    assert (node["color"], node["note"], node["startOffset"], node["exact"]) == (
        "PURPLE",
        None,
        2,
        "llo",
    )
    assert (await of_fragment(api, viewer, fragment))["edges"][0]["node"] == node


@pytest.mark.parametrize(
    "fields",
    [{"startOffset": 5}, {"endOffset": 0}, {"endOffset": 14}, {"startOffset": -1}],
    ids=["empty", "reversed", "past-the-end", "negative"],
)
async def test_an_invalid_new_range_is_e_highlight_invalid_range(api, connection, fields) -> None:
    viewer, _, _, before = await _highlight(api, connection)
    body = await update(api, viewer, before["id"], **fields)
    assert codes(body) == ["E_HIGHLIGHT_INVALID_RANGE"]
    assert (await api.data(NODE, {"id": before["id"]}, user=viewer))["node"] == before


async def test_moving_onto_another_of_ones_own_ranges_is_e_highlight_conflict(
    api, connection
) -> None:
    viewer, _, fragment, first = await _highlight(api, connection)
    second = await created(api, viewer, fragment, 0, 6)
    body = await update(api, viewer, second["id"], endOffset=5)
    assert codes(body) == ["E_HIGHLIGHT_CONFLICT"]
    # The transaction goes on after the failed statement: the highlight is unchanged.
    assert (await api.data(NODE, {"id": second["id"]}, user=viewer))["node"] == second
    assert (await api.data(NODE, {"id": first["id"]}, user=viewer))["node"] == first


async def test_a_new_note_of_10001_characters_is_e_invalid_request(api, connection) -> None:
    viewer, _, _, before = await _highlight(api, connection)
    assert codes(await update(api, viewer, before["id"], note="n" * 10_001)) == [
        "E_INVALID_REQUEST"
    ]
    assert _changed(await update(api, viewer, before["id"], note="n" * 10_000))["note"] == (
        "n" * 10_000
    )


async def _shared_highlight(api, connection):
    """The author's highlight on media of a library the author shares with a member."""
    author, member = await api.new_user(), await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, author, [TEXT])
    library = await create_library(api, author, "Shared")
    await add_member(api, author, library["uuid"], member)
    await add_media(api, author, library["uuid"], media_id)
    highlight = await created(api, author, fragment, 0, 5)
    return author, member, media_id, fragment, highlight, library


async def test_a_member_who_sees_the_highlight_cannot_change_it(api, connection) -> None:
    author, member, _, _, highlight, _ = await _shared_highlight(api, connection)
    seen = (await api.data(NODE, {"id": highlight["id"]}, user=member))["node"]
    assert seen["isOwner"] is False
    for fields in ({"color": "GREEN"}, {"note": "mine now"}, {"startOffset": 1}):
        body = await update(api, member, highlight["id"], **fields)
        assert codes(body) == ["E_HIGHLIGHT_NOT_FOUND"]
    assert codes(await delete(api, member, highlight["id"])) == ["E_HIGHLIGHT_NOT_FOUND"]
    assert (await api.data(NODE, {"id": highlight["id"]}, user=author))["node"] == highlight


async def test_an_unknown_or_unseen_highlight_is_e_highlight_not_found(api, connection) -> None:
    _, _, _, _, highlight, _ = await _shared_highlight(api, connection)
    stranger = await api.new_user()
    unknown = global_id("Highlight", uuid4())
    for highlight_id in (unknown, highlight["id"]):
        assert codes(await update(api, stranger, highlight_id, color="GREEN")) == [
            "E_HIGHLIGHT_NOT_FOUND"
        ]
        assert codes(await delete(api, stranger, highlight_id)) == ["E_HIGHLIGHT_NOT_FOUND"]


async def test_an_id_of_another_type_is_e_invalid_request(api, connection) -> None:
    viewer, media_id, _, _ = await _highlight(api, connection)
    wrong = global_id("Media", media_id)
    assert codes(await update(api, viewer, wrong, color="GREEN")) == ["E_INVALID_REQUEST"]
    assert codes(await delete(api, viewer, wrong)) == ["E_INVALID_REQUEST"]


async def test_the_author_deletes_it_once(api, connection) -> None:
    viewer, media_id, _, highlight = await _highlight(api, connection)
    body = await delete(api, viewer, highlight["id"])
    assert body["data"]["deleteHighlight"]["deletedHighlightId"] == highlight["id"]
    assert (await of_media(api, viewer, media_id))["totalCount"] == 0
    assert codes(await delete(api, viewer, highlight["id"])) == ["E_HIGHLIGHT_NOT_FOUND"]
    assert codes(await update(api, viewer, highlight["id"], color="GREEN")) == [
        "E_HIGHLIGHT_NOT_FOUND"
    ]


async def test_a_new_range_needs_media_that_can_be_highlighted(api, connection) -> None:
    viewer, media_id, _, before = await _highlight(api, connection)
    await connection.execute(
        text("UPDATE media SET processing_status = 'extracting' WHERE id = :m"), {"m": media_id}
    )
    assert codes(await update(api, viewer, before["id"], startOffset=1)) == ["E_MEDIA_NOT_READY"]
    # What does not touch the text still changes.
    assert _changed(await update(api, viewer, before["id"], color="GREEN"))["color"] == "GREEN"


async def test_updated_at_moves_with_a_change_and_created_at_stays(committed_api, engine) -> None:
    viewer = await committed_api.new_user()
    async with engine.begin() as connection:
        _, (fragment,) = await readable_text(committed_api, connection, viewer, [TEXT])
    before = await created(committed_api, viewer, fragment, 0, 5)
    after = _changed(await update(committed_api, viewer, before["id"], note="later"))
    assert after["createdAt"] == before["createdAt"]
    moved = datetime.fromisoformat(after["updatedAt"])
    assert moved > datetime.fromisoformat(before["updatedAt"])
