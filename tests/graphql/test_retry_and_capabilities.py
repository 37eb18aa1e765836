"""retryMediaProcessing and Media.capabilities (reading.md, Processing and Capabilities)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.factories import create_media, default_library_id, put_media
from tests.graphql.operations import add_member, codes, create_library, library_gid
from tests.graphql.saving import fail, queued_jobs, read_media, retry, save

NONE = {
    "canRead": False,
    "canHighlight": False,
    "canQuote": False,
    "canSearch": False,
    "canPlay": False,
    "canDownloadFile": False,
    "canRetry": False,
}
READABLE = {**NONE, "canRead": True, "canHighlight": True, "canQuote": True, "canSearch": True}


async def _saved(api, user, url="https://example.com/article") -> str:
    body = await save(api, user, url)
    return body["data"]["addMediaFromUrl"]["media"]["uuid"]


async def test_retry_of_failed_media_clears_it_and_queues_it_again(api, connection) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    await fail(connection, media_id)
    await connection.execute(
        text(
            "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized) "
            "VALUES (:id, 0, 'left over', '<p>left over</p>')"
        ),
        {"id": media_id},
    )
    before = (await read_media(api, viewer, media_id))["data"]["media"]
    assert before["capabilities"]["canRetry"] is True
    assert before["processingError"]["code"] == "E_INGEST_FAILED"
    body = await retry(api, viewer, media_id)
    assert "errors" not in body, body
    media = body["data"]["retryMediaProcessing"]["media"]
    assert media["processingStatus"] == "PENDING"
    assert media["processingError"] is None
    assert media["processingAttempts"] == 0
    assert media["capabilities"] == NONE
    assert await queued_jobs(connection, media_id) == 1
    left = await connection.scalar(
        text("SELECT count(*) FROM fragments WHERE media_id = :id"), {"id": media_id}
    )
    assert left == 0


@pytest.mark.parametrize("status", ["pending", "extracting", "ready_for_reading", "ready"])
async def test_retry_of_media_that_has_not_failed_is_e_invalid_state(
    api, connection, status
) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    await connection.execute(
        text("UPDATE media SET processing_status = :s WHERE id = :id"),
        {"s": status, "id": media_id},
    )
    body = await retry(api, viewer, media_id)
    assert codes(body) == ["E_INVALID_STATE"]
    assert body["errors"][0]["extensions"]["status"] == 409
    assert await queued_jobs(connection, media_id) == 1  # the first job only


async def test_retry_by_someone_who_cannot_read_it_is_e_media_not_found(api, connection) -> None:
    saver, stranger = await api.new_user(), await api.new_user()
    media_id = await _saved(api, saver)
    await fail(connection, media_id)
    assert codes(await retry(api, stranger, media_id)) == ["E_MEDIA_NOT_FOUND"]


async def test_retry_by_a_reader_who_neither_saved_nor_administers_is_e_forbidden(
    api, connection
) -> None:
    saver, member = await api.new_user(), await api.new_user()
    library = await create_library(api, saver)
    await add_member(api, saver, library["uuid"], member)
    media_id = (await save(api, saver, "https://example.com/a", library["id"]))["data"][
        "addMediaFromUrl"
    ]["media"]["uuid"]
    await fail(connection, media_id)
    seen = (await read_media(api, member, media_id))["data"]["media"]
    # The member's own default library holds it (closure), and they administer that one.
    assert seen["capabilities"]["canRetry"] is True
    await connection.execute(
        text("DELETE FROM library_media WHERE media_id = :m AND library_id = :l"),
        {"m": media_id, "l": str(await default_library_id(connection, member))},
    )
    seen = (await read_media(api, member, media_id))["data"]["media"]
    assert seen["capabilities"]["canRetry"] is False
    body = await retry(api, member, media_id)
    assert codes(body) == ["E_FORBIDDEN"]
    assert (await read_media(api, saver, media_id))["data"]["media"]["processingStatus"] == (
        "FAILED"
    )


async def test_an_admin_of_a_library_holding_it_may_retry(api, connection) -> None:
    saver, admin = await api.new_user(), await api.new_user()
    media_id = await _saved(api, saver)
    library = await create_library(api, admin)
    await put_media(connection, library["uuid"], media_id)
    await fail(connection, media_id)
    body = await retry(api, admin, media_id)
    assert body["data"]["retryMediaProcessing"]["media"]["processingStatus"] == "PENDING"


async def test_retry_twice_at_once_queues_one_job(committed_api, engine) -> None:
    viewer = await committed_api.new_user()
    media_id = await _saved(committed_api, viewer, "https://example.com/twice")
    async with engine.begin() as connection:
        await fail(connection, media_id)
    bodies = await asyncio.gather(*(retry(committed_api, viewer, media_id) for _ in range(5)))
    outcomes = sorted(codes(body)[0] if "errors" in body else "ok" for body in bodies)
    assert outcomes == ["E_INVALID_STATE"] * 4 + ["ok"]
    async with engine.connect() as connection:
        assert await queued_jobs(connection, media_id) == 1


@pytest.mark.parametrize(
    "case",
    [
        ("web_article", "ready_for_reading", 1, "u", READABLE),
        ("web_article", "embedding", 1, "u", READABLE),
        ("web_article", "ready", 2, "u", READABLE),
        ("web_article", "ready_for_reading", 0, "u", NONE),
        ("web_article", "pending", 0, "u", NONE),
        ("web_article", "extracting", 0, "u", NONE),
        ("epub", "ready", 1, None, READABLE),
        ("epub", "pending", 1, None, NONE),
        ("pdf", "ready", 1, None, NONE),
        ("video", "ready", 1, "u", {**READABLE, "canPlay": True}),
        ("video", "pending", 0, "u", {**NONE, "canPlay": True}),
        ("video", "ready", 0, None, NONE),
        ("podcast_episode", "extracting", 3, None, READABLE),
    ],
)
async def test_capabilities_follow_kind_status_and_fragments(api, connection, case) -> None:
    kind, status, fragments, url, expected = case
    viewer = await api.new_user()
    media_id = await create_media(
        connection,
        kind=kind,
        status=status,
        fragment_count=fragments,
        url=None if url is None else "",
    )
    await put_media(connection, await default_library_id(connection, viewer), media_id)
    media = (await read_media(api, viewer, media_id))["data"]["media"]
    assert media["capabilities"] == expected


async def test_capabilities_of_each_media_of_a_library_page(api, connection) -> None:
    viewer = await api.new_user()
    library = await default_library_id(connection, viewer)
    for index in range(3):
        media_id = await create_media(connection, status="ready", fragment_count=index)
        await put_media(connection, library, media_id)
    data = await api.data(
        "query($id: ID!) { library(id: $id) { media { edges { node { "
        "capabilities { canRead } } } } } }",
        {"id": library_gid(library)},
        user=viewer,
    )
    reads = sorted(e["node"]["capabilities"]["canRead"] for e in data["library"]["media"]["edges"])
    assert reads == [False, True, True]
