"""Saving a web article by URL (reading.md, Saving a URL), through GraphQL over HTTP."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from sqlalchemy import text

from tests.graphql.operations import (
    add_member,
    can_read,
    codes,
    create_library,
    library_media_ids,
    media_gid,
)
from tests.graphql.saving import queued_jobs, read_media, save

MAX_ACTIVE = 3


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"nexus_ingest_max_active": MAX_ACTIVE})


async def _media_count(connection) -> int:
    return int(await connection.scalar(text("SELECT count(*) FROM media")) or 0)


async def test_a_new_url_makes_a_pending_web_article_with_its_job(api, connection) -> None:
    viewer = await api.new_user()
    url = "HTTPS://Example.COM:443/Some/Path?b=2&utm_source=x&a=1#section"
    body = await save(api, viewer, url)
    assert "errors" not in body, body
    payload = body["data"]["addMediaFromUrl"]
    media = payload["media"]
    assert payload["created"] is True
    assert media["kind"] == "WEB_ARTICLE"
    assert media["processingStatus"] == "PENDING"
    assert media["canonicalSourceUrl"] == "https://example.com/Some/Path?b=2&a=1"
    assert media["title"] == "https://example.com/Some/Path?b=2&a=1"
    assert media["requestedUrl"] == url
    assert media["createdBy"] == {"uuid": str(viewer)}
    assert media["wordCount"] == 0
    assert media["processingAttempts"] == 0
    assert media["processingError"] is None
    assert media["capabilities"] == {
        "canRead": False,
        "canHighlight": False,
        "canQuote": False,
        "canSearch": False,
        "canPlay": False,
        "canDownloadFile": False,
        "canRetry": False,
    }
    assert await queued_jobs(connection, media["uuid"]) == 1
    default = (await api.data("{ viewer { defaultLibrary { uuid } } }", user=viewer))["viewer"]
    assert media["uuid"] in await library_media_ids(api, viewer, default["defaultLibrary"]["uuid"])


async def test_the_title_is_the_canonical_url_cut_to_255_characters(api) -> None:
    viewer = await api.new_user()
    url = "https://example.com/" + "a" * 400
    media = (await save(api, viewer, url))["data"]["addMediaFromUrl"]["media"]
    assert media["title"] == url[:255]
    assert media["canonicalSourceUrl"] == url


async def test_a_known_url_is_the_same_media_and_queues_nothing(api, connection) -> None:
    first, second = await api.new_user(), await api.new_user()
    created = (await save(api, first, "https://example.com/post?utm_medium=a"))["data"]
    again = (await save(api, second, "https://EXAMPLE.com/post#top"))["data"]
    assert created["addMediaFromUrl"]["created"] is True
    assert again["addMediaFromUrl"]["created"] is False
    media_id = created["addMediaFromUrl"]["media"]["uuid"]
    assert again["addMediaFromUrl"]["media"]["uuid"] == media_id
    assert again["addMediaFromUrl"]["media"]["createdBy"] is None  # first saver not visible
    assert await queued_jobs(connection, media_id) == 1
    assert await can_read(api, second, media_id)
    assert await _media_count(connection) == 1


async def test_a_failed_known_url_stays_failed(api, connection) -> None:
    viewer = await api.new_user()
    media_id = (await save(api, viewer, "https://example.com/gone"))["data"]["addMediaFromUrl"][
        "media"
    ]["uuid"]
    await connection.execute(
        text(
            "UPDATE media SET processing_status = 'failed', processing_error_code = "
            "'E_INGEST_FAILED', processing_error_message = 'Not found.' WHERE id = :id"
        ),
        {"id": media_id},
    )
    await connection.execute(text("DELETE FROM procrastinate_jobs"))
    again = (await save(api, await api.new_user(), "https://example.com/gone"))["data"]
    media = again["addMediaFromUrl"]["media"]
    assert (again["addMediaFromUrl"]["created"], media["processingStatus"]) == (False, "FAILED")
    assert media["processingError"] == {"code": "E_INGEST_FAILED", "message": "Not found."}
    assert await queued_jobs(connection, media_id) == 0


async def test_saving_into_a_library_adds_it_to_every_members_default_library(api) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    body = await save(api, owner, "https://example.com/shared", library["id"])
    media_id = body["data"]["addMediaFromUrl"]["media"]["uuid"]
    assert media_id in await library_media_ids(api, owner, library["uuid"])
    member_default = await api.data("{ viewer { defaultLibrary { uuid } } }", user=member)
    default_id = member_default["viewer"]["defaultLibrary"]["uuid"]
    assert media_id in await library_media_ids(api, member, default_id)


@pytest.mark.parametrize("role", ["member", None])
async def test_saving_into_a_library_one_does_not_administer_changes_nothing(
    api, connection, role
) -> None:
    owner, viewer = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    if role is not None:
        await add_member(api, owner, library["uuid"], viewer, role.upper())
    body = await save(api, viewer, "https://example.com/private", library["id"])
    assert body["data"]["addMediaFromUrl"] is None
    assert codes(body) == ["E_FORBIDDEN" if role else "E_LIBRARY_NOT_FOUND"]
    assert await _media_count(connection) == 0
    assert int(await connection.scalar(text("SELECT count(*) FROM procrastinate_jobs"))) == 0


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/a",
        "/relative/path",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "https://",
        "http:///path",
        "https://example.com/" + "a" * 2030,
        "https://exa mple.com/",
    ],
)
async def test_a_url_that_cannot_be_saved_is_e_invalid_url(api, connection, url) -> None:
    viewer = await api.new_user()
    body = await save(api, viewer, url)
    assert body["data"]["addMediaFromUrl"] is None
    assert codes(body) == ["E_INVALID_URL"]
    assert body["errors"][0]["extensions"]["status"] == 400
    assert await _media_count(connection) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2/admin",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://localhost/",
        "https://example.com:8443/",
        "http://example.com:22/",
    ],
)
async def test_a_blocked_address_or_port_is_e_ssrf_blocked_at_once(api, connection, url) -> None:
    viewer = await api.new_user()
    body = await save(api, viewer, url)
    assert body["data"]["addMediaFromUrl"] is None
    assert codes(body) == ["E_SSRF_BLOCKED"]
    assert body["errors"][0]["extensions"]["status"] == 403
    assert await _media_count(connection) == 0


async def test_more_saves_in_progress_than_the_limit_is_e_rate_limited(api, connection) -> None:
    viewer = await api.new_user()
    for index in range(MAX_ACTIVE):
        assert "errors" not in await save(api, viewer, f"https://example.com/{index}")
    body = await save(api, viewer, "https://example.com/one-more")
    assert codes(body) == ["E_RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["status"] == 429
    # Saving a URL someone already saved creates nothing and is not limited.
    other = await api.new_user()
    assert "errors" not in await save(api, other, "https://example.com/elsewhere")
    assert "errors" not in await save(api, viewer, "https://example.com/elsewhere")
    # A finished save makes room.
    await connection.execute(
        text("UPDATE media SET processing_status = 'ready_for_reading' WHERE requested_url = :u"),
        {"u": "https://example.com/0"},
    )
    assert "errors" not in await save(api, viewer, "https://example.com/one-more")


async def test_the_new_fields_of_unreadable_media_are_e_media_not_found(api) -> None:
    saver, stranger = await api.new_user(), await api.new_user()
    media_id = (await save(api, saver, "https://example.com/mine"))["data"]["addMediaFromUrl"][
        "media"
    ]["uuid"]
    body = await read_media(api, stranger, media_id)
    assert body["data"] == {"media": None}
    assert codes(body) == ["E_MEDIA_NOT_FOUND"]


async def test_ten_concurrent_saves_of_one_url_make_one_media(committed_api, engine) -> None:
    users = [await committed_api.new_user() for _ in range(5)]
    url = f"https://example.com/race/{uuid4().hex}"
    bodies = await asyncio.gather(*(save(committed_api, users[i % 5], url) for i in range(10)))
    assert all("errors" not in body for body in bodies), bodies
    payloads = [body["data"]["addMediaFromUrl"] for body in bodies]
    assert len({payload["media"]["uuid"] for payload in payloads}) == 1
    assert sum(payload["created"] for payload in payloads) == 1
    async with engine.connect() as connection:
        assert await _media_count(connection) == 1
        assert await queued_jobs(connection, payloads[0]["media"]["uuid"]) == 1
        held = await connection.scalar(text("SELECT count(*) FROM library_media"))
    assert held == 5  # each saver's default library, once


async def test_concurrent_saves_never_pass_the_limit(committed_api, engine) -> None:
    viewer = await committed_api.new_user()
    urls = [f"https://example.com/burst/{uuid4().hex}" for _ in range(8)]
    bodies = await asyncio.gather(*(save(committed_api, viewer, url) for url in urls))
    accepted = [body for body in bodies if "errors" not in body]
    refused = [codes(body) for body in bodies if "errors" in body]
    assert len(accepted) == MAX_ACTIVE
    assert refused == [["E_RATE_LIMITED"]] * (8 - MAX_ACTIVE)
    async with engine.connect() as connection:
        assert await _media_count(connection) == MAX_ACTIVE


async def test_a_library_id_of_another_type_is_e_invalid_request(api, connection) -> None:
    viewer = await api.new_user()
    body = await save(api, viewer, "https://example.com/x", media_gid(uuid4()))
    assert codes(body) == ["E_INVALID_REQUEST"]
    assert await _media_count(connection) == 0


async def test_many_saves_on_one_connection_keep_working(api, connection) -> None:
    # The pinned test connection serves every save: past psycopg's prepare threshold and
    # PostgreSQL's five custom plans, the INSERT runs on a generic plan, whose ON CONFLICT
    # target must still match the partial unique index (it failed from the 11th save).
    viewer = await api.new_user()
    for index in range(15):
        body = await save(api, viewer, f"https://example.com/series/{index}")
        assert "errors" not in body, (index, body)
        await connection.execute(
            text("UPDATE media SET processing_status = 'ready_for_reading' WHERE id = :id"),
            {"id": body["data"]["addMediaFromUrl"]["media"]["uuid"]},
        )
    assert await _media_count(connection) == 15
