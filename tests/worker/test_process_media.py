"""The processing job, run by an in-process worker against a loopback page server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from nexus.config import Settings
from nexus.db.engine import Database
from tests.worker.conftest import running_worker, save, wait_for_status
from tests.worker.pages import Answer, PageServer, article_page

UNAVAILABLE = Answer(status=503, body=b"try later")


async def fragment_text(database: Database, media_id: object) -> str:
    async with database.connection() as connection:
        found = await connection.scalar(
            text("SELECT canonical_text FROM fragments WHERE media_id = :id AND idx = 0"),
            {"id": media_id},
        )
    return str(found)


async def test_a_saved_page_becomes_ready_for_reading(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/a"] = [Answer(body=article_page("The River"))]
    media_id = await save(queue_db, pages, "/a")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts, state.error_code) == ("ready_for_reading", 1, None)
    assert "Paragraph 3 of The River" in await fragment_text(queue_db, media_id)
    assert pages.hits["/a"] == 1


async def test_a_transient_failure_is_retried_until_the_page_answers(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/flaky"] = [UNAVAILABLE, Answer(body=article_page("Second Try"))]
    media_id = await save(queue_db, pages, "/flaky")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts) == ("ready_for_reading", 2)
    assert pages.hits["/flaky"] == 2


async def test_a_missing_page_fails_at_once(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    media_id = await save(queue_db, pages, "/missing")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts, state.error_code) == ("failed", 1, "E_INGEST_FAILED")
    assert pages.hits["/missing"] == 1


async def test_an_unexpected_error_fails_the_media_generically_and_logs_its_trace(
    queue_db: Database,
    pages: PageServer,
    worker_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fault no rule foresaw (here PostgreSQL refusing the fragment) is recorded with a
    message for people, and its stack trace goes to the log, not to the reader."""
    async with queue_db.transaction() as session:
        await session.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'fragments are refused on 10.1.2.3'; END $$;"
                " CREATE TRIGGER refuse BEFORE INSERT ON fragments"
                " FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    pages.script["/a"] = [Answer(body=article_page("Refused"))]
    media_id = await save(queue_db, pages, "/a")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts, state.error_code) == ("failed", 1, "E_INGEST_FAILED")
    assert state.error_message == "The page could not be processed."
    [record] = [r for r in caplog.records if r.getMessage() == "processing failed unexpectedly"]
    assert record.exc_info is not None
    assert "fragments are refused" in str(record.exc_info[1])
