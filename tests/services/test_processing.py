"""The processing lifecycle (nexus/services/processing.py), as the worker drives it, and
what a reader sees of each step through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from nexus.db.engine import Database
from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.services import processing
from tests.graphql.operations import add_member, create_library, library_media_ids
from tests.graphql.saving import read_media, save

ARTICLE = Article(
    html_sanitized="<h1>On Reading</h1><p>Slowly, with care.</p>",
    canonical_text="On Reading\nSlowly, with care.",
    word_count=5,
    title="On Reading",
    author="A. Reader",
    site_name="Example",
    published_at=datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
    language="en",
    excerpt="Slowly, with care.",
)


@pytest.fixture
def database(connection) -> Database:
    return Database.pinned_to(connection)


async def _saved(api, user, url="https://example.com/article") -> str:
    return (await save(api, user, url))["data"]["addMediaFromUrl"]["media"]["uuid"]


async def _status(connection, media_id) -> tuple[str, int]:
    row = (
        await connection.execute(
            text("SELECT processing_status, processing_attempts FROM media WHERE id = :id"),
            {"id": media_id},
        )
    ).one()
    return row[0], row[1]


async def test_a_job_turns_pending_media_into_a_readable_article(api, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer, "https://example.com/article?utm_source=feed")
    async with database.transaction() as session:
        url = await processing.start_processing(session=session, media_id=media_id)
    assert url == "https://example.com/article"
    seen = (await read_media(api, viewer, media_id))["data"]["media"]
    assert (seen["processingStatus"], seen["processingAttempts"]) == ("EXTRACTING", 1)
    async with database.transaction() as session:
        done = await processing.complete_processing(
            session=session, media_id=media_id, article=ARTICLE, final_url=url
        )
    assert str(done) == media_id
    media = (await read_media(api, viewer, media_id))["data"]["media"]
    assert media["processingStatus"] == "READY_FOR_READING"
    assert (media["title"], media["author"], media["siteName"]) == (
        "On Reading",
        "A. Reader",
        "Example",
    )
    assert media["publishedAt"] == "2026-11-01T08:30:00+00:00"
    assert (media["language"], media["excerpt"], media["wordCount"]) == (
        "en",
        "Slowly, with care.",
        5,
    )
    assert media["capabilities"]["canRead"] is True
    fragments = await api.data(
        "query($id: ID!) { media(id: $id) { fragments { edges { node { idx canonicalText "
        "htmlSanitized } } } } }",
        {"id": media["id"]},
        user=viewer,
    )
    assert fragments["media"]["fragments"]["edges"] == [
        {
            "node": {
                "idx": 0,
                "canonicalText": ARTICLE.canonical_text,
                "htmlSanitized": ARTICLE.html_sanitized,
            }
        }
    ]


async def test_only_pending_media_starts(api, connection, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    async with database.transaction() as session:
        assert await processing.start_processing(session=session, media_id=media_id)
    for status in ("extracting", "ready_for_reading", "failed"):
        await connection.execute(
            text("UPDATE media SET processing_status = :s WHERE id = :id"),
            {"s": status, "id": media_id},
        )
        async with database.transaction() as session:
            assert await processing.start_processing(session=session, media_id=media_id) is None
        assert await _status(connection, media_id) == (status, 1)


async def test_only_extracting_media_becomes_readable(api, connection, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    async with database.transaction() as session:
        done = await processing.complete_processing(
            session=session,
            media_id=media_id,
            article=ARTICLE,
            final_url="https://example.com/article",
        )
    assert done is None
    assert await _status(connection, media_id) == ("pending", 0)


async def test_a_late_failure_never_overwrites_a_success(api, connection, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    async with database.transaction() as session:
        url = await processing.start_processing(session=session, media_id=media_id)
        await processing.complete_processing(
            session=session, media_id=media_id, article=ARTICLE, final_url=url
        )
    async with database.transaction() as session:
        failed = await processing.fail_processing(
            session=session, media_id=media_id, code=ErrorCode.E_INGEST_TIMEOUT, message="Late."
        )
    assert failed is False
    media = (await read_media(api, viewer, media_id))["data"]["media"]
    assert (media["processingStatus"], media["processingError"]) == ("READY_FOR_READING", None)


async def test_a_failure_is_stored_for_people_to_read(api, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    async with database.transaction() as session:
        await processing.start_processing(session=session, media_id=media_id)
        await processing.fail_processing(
            session=session,
            media_id=media_id,
            code=ErrorCode.E_UNSUPPORTED_CONTENT,
            message="The page is not HTML (application/pdf).",
        )
    media = (await read_media(api, viewer, media_id))["data"]["media"]
    assert media["processingStatus"] == "FAILED"
    assert media["processingError"] == {
        "code": "E_UNSUPPORTED_CONTENT",
        "message": "The page is not HTML (application/pdf).",
    }
    assert media["capabilities"]["canRetry"] is True


async def test_release_for_retry_puts_extracting_media_back_to_pending(
    api, connection, database
) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer)
    async with database.transaction() as session:
        await processing.start_processing(session=session, media_id=media_id)
        assert await processing.release_for_retry(session=session, media_id=media_id) == 1
        assert await processing.start_processing(session=session, media_id=media_id)
    assert await _status(connection, media_id) == ("extracting", 2)


async def test_a_redirect_to_a_known_url_merges_into_that_media(api, connection, database) -> None:
    first, second = await api.new_user(), await api.new_user()
    library = await create_library(api, second)
    member = await api.new_user()
    await add_member(api, second, library["uuid"], member)
    known = await _saved(api, first, "https://example.com/final")
    short = (await save(api, second, "https://sho.rt/x", library["id"]))["data"]["addMediaFromUrl"][
        "media"
    ]["uuid"]
    async with database.transaction() as session:
        url = await processing.start_processing(session=session, media_id=short)
        survivor = await processing.complete_processing(
            session=session,
            media_id=short,
            article=ARTICLE,
            final_url="https://EXAMPLE.com/final?utm_campaign=x",
        )
    assert url == "https://sho.rt/x"
    assert str(survivor) == known
    gone = await connection.scalar(text("SELECT count(*) FROM media WHERE id = :id"), {"id": short})
    assert gone == 0
    # The survivor joined every library that held the merged item, with the closure.
    assert known in await library_media_ids(api, second, library["uuid"])
    for user in (second, member):
        default = await api.data("{ viewer { defaultLibrary { uuid } } }", user=user)
        assert known in await library_media_ids(
            api, user, default["viewer"]["defaultLibrary"]["uuid"]
        )


async def test_a_redirect_to_a_new_url_moves_the_canonical_url(api, database) -> None:
    viewer = await api.new_user()
    media_id = await _saved(api, viewer, "http://example.com/old")
    async with database.transaction() as session:
        url = await processing.start_processing(session=session, media_id=media_id)
        await processing.complete_processing(
            session=session, media_id=media_id, article=ARTICLE, final_url="https://example.com/new"
        )
    assert url == "http://example.com/old"
    media = (await read_media(api, viewer, media_id))["data"]["media"]
    assert media["canonicalSourceUrl"] == "https://example.com/new"
    assert media["requestedUrl"] == "http://example.com/old"
    again = (await save(api, viewer, "https://example.com/new"))["data"]["addMediaFromUrl"]
    assert (again["created"], again["media"]["uuid"]) == (False, media_id)
