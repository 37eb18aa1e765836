"""createHighlight (reading.md, Highlights): ranges over code points, the quote, notes,
conflicts, and what the media must allow."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.highlighting import (
    create,
    created,
    fragment_ids,
    of_fragment,
    of_media,
    readable_text,
)
from tests.graphql.operations import codes

TEXT = "Hello, world!"  # 13 code points


@pytest.mark.parametrize(
    ("start", "end", "exact"),
    [(0, 13, TEXT), (0, 1, "H"), (12, 13, "!"), (7, 12, "world")],
    ids=["whole", "first", "last", "middle"],
)
async def test_ranges_from_0_to_the_text_length_are_accepted(
    api, connection, start, end, exact
) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    highlight = await created(api, viewer, fragment, start, end)
    assert (highlight["startOffset"], highlight["endOffset"]) == (start, end)
    assert highlight["exact"] == exact
    assert highlight["prefix"] == TEXT[:start]
    assert highlight["suffix"] == TEXT[end:]


@pytest.mark.parametrize(
    ("start", "end"),
    [(5, 5), (6, 5), (0, 14), (13, 14), (-1, 3), (14, 20)],
    ids=["empty", "reversed", "past-the-end", "after-the-end", "negative", "outside"],
)
async def test_empty_reversed_and_outside_ranges_are_e_highlight_invalid_range(
    api, connection, start, end
) -> None:
    viewer = await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    body = await create(api, viewer, fragment, start, end)
    assert codes(body) == ["E_HIGHLIGHT_INVALID_RANGE"]
    assert body["data"] == {"createHighlight": None}
    assert (await of_media(api, viewer, media_id))["totalCount"] == 0


async def test_an_astral_character_counts_as_one_code_point(api, connection) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, ["a😀b"])
    assert (await created(api, viewer, fragment, 1, 2))["exact"] == "😀"
    whole = await created(api, viewer, fragment, 0, 3)
    assert (whole["exact"], whole["prefix"], whole["suffix"]) == ("a😀b", "", "")
    # Four UTF-16 code units, but three code points.
    assert codes(await create(api, viewer, fragment, 0, 4)) == ["E_HIGHLIGHT_INVALID_RANGE"]


async def test_a_combining_mark_is_a_code_point_of_its_own(api, connection) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, ["Cafe\u0301 au lait"])
    accent = await created(api, viewer, fragment, 4, 5)
    assert (accent["exact"], accent["prefix"], accent["suffix"]) == ("\u0301", "Cafe", " au lait")
    assert (await created(api, viewer, fragment, 0, 5))["exact"] == "Cafe\u0301"
    assert codes(await create(api, viewer, fragment, 0, 15)) == ["E_HIGHLIGHT_INVALID_RANGE"]


async def test_prefix_and_suffix_are_at_most_32_code_points(api, connection) -> None:
    viewer = await api.new_user()
    text = "".join(f"{i % 10}😀" for i in range(50))  # 100 code points, half astral
    _, (fragment,) = await readable_text(api, connection, viewer, [text])
    highlight = await created(api, viewer, fragment, 50, 60)
    assert highlight["exact"] == text[50:60]
    assert highlight["prefix"] == text[18:50]
    assert highlight["suffix"] == text[60:92]


async def test_the_same_range_twice_is_e_highlight_conflict(api, connection) -> None:
    viewer = await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    await created(api, viewer, fragment, 0, 5)
    body = await create(api, viewer, fragment, 0, 5, color="BLUE")
    assert codes(body) == ["E_HIGHLIGHT_CONFLICT"]
    assert (await of_media(api, viewer, media_id))["totalCount"] == 1


async def test_overlapping_ranges_and_other_authors_ranges_are_fine(api, connection) -> None:
    viewer, other = await api.new_user(), await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    await put_media(connection, await default_library_id(connection, other), media_id)
    for start, end in [(0, 5), (2, 7), (0, 6), (1, 5), (4, 13)]:
        await created(api, viewer, fragment, start, end)
    await created(api, other, fragment, 0, 5)
    assert (await of_fragment(api, viewer, fragment))["totalCount"] == 5
    assert (await of_fragment(api, other, fragment))["totalCount"] == 1


async def test_the_same_range_on_another_fragment_is_fine(api, connection) -> None:
    viewer = await api.new_user()
    _, fragments = await readable_text(api, connection, viewer, [TEXT, TEXT])
    for fragment in fragments:
        await created(api, viewer, fragment, 0, 5)


@pytest.mark.parametrize(
    ("note", "stored"),
    [(None, None), ("", None), ("n" * 10_000, "n" * 10_000), ("😀" * 10_000, "😀" * 10_000)],
    ids=["null", "empty-is-none", "10000", "10000-astral"],
)
async def test_notes_of_up_to_10000_characters(api, connection, note, stored) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    assert (await created(api, viewer, fragment, 0, 5, note=note))["note"] == stored


async def test_a_note_of_10001_characters_is_e_invalid_request(api, connection) -> None:
    viewer = await api.new_user()
    media_id, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    body = await create(api, viewer, fragment, 0, 5, note="n" * 10_001)
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert (await of_media(api, viewer, media_id))["totalCount"] == 0


async def test_a_note_with_a_nul_character_is_e_invalid_request(api, connection) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    body = await create(api, viewer, fragment, 0, 5, note="a\u0000b")
    assert codes(body) == ["E_INVALID_REQUEST"]


async def test_color_defaults_to_yellow_and_the_client_mutation_id_is_echoed(
    api, connection
) -> None:
    viewer = await api.new_user()
    _, (fragment,) = await readable_text(api, connection, viewer, [TEXT])
    body = await create(api, viewer, fragment, 0, 5, clientMutationId="c-1")
    payload = body["data"]["createHighlight"]
    assert payload["clientMutationId"] == "c-1"
    highlight = payload["highlight"]
    assert highlight["color"] == "YELLOW"
    assert highlight["note"] is None
    assert highlight["isOwner"] is True
    assert highlight["author"] == {"uuid": str(viewer)}
    assert highlight["fragment"]["uuid"] == str(fragment)
    assert highlight["createdAt"] == highlight["updatedAt"]


@pytest.mark.parametrize("status", ["pending", "extracting", "failed"])
async def test_media_that_cannot_be_highlighted_is_e_media_not_ready(
    api, connection, status
) -> None:
    viewer = await api.new_user()
    media_id = await create_media(connection, status=status, fragment_count=1)
    await put_media(connection, await default_library_id(connection, viewer), media_id)
    (fragment,) = await fragment_ids(connection, media_id)
    body = await create(api, viewer, fragment, 0, 3)
    assert codes(body) == ["E_MEDIA_NOT_READY"]


async def test_a_fragment_of_unreadable_or_unknown_media_is_e_media_not_found(
    api, connection
) -> None:
    viewer, owner = await api.new_user(), await api.new_user()
    _, (fragment,) = await readable_text(api, connection, owner, [TEXT])
    assert codes(await create(api, viewer, fragment, 0, 5)) == ["E_MEDIA_NOT_FOUND"]
    assert codes(await create(api, viewer, uuid4(), 0, 5)) == ["E_MEDIA_NOT_FOUND"]
    # Not even a range error gives the text's length away.
    assert codes(await create(api, viewer, fragment, 0, 500)) == ["E_MEDIA_NOT_FOUND"]


async def test_an_id_that_is_not_a_fragments_is_e_invalid_request(api, connection) -> None:
    viewer = await api.new_user()
    media_id, _ = await readable_text(api, connection, viewer, [TEXT])
    body = await api.gql(
        "mutation($input: CreateHighlightInput!) { createHighlight(input: $input) { "
        "highlight { id } } }",
        {"input": {"fragmentId": global_id("Media", media_id), "startOffset": 0, "endOffset": 1}},
        user=viewer,
    )
    assert codes(body) == ["E_INVALID_REQUEST"]
