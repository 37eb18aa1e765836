"""What a worker makes of pages that redirect, stall, hold no article or are too large:
each outcome as a reader sees it on the media (reading.md, Processing and Fetching)."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import text

from nexus.config import Settings
from nexus.db.engine import Database
from tests.worker.conftest import running_worker, save, wait_for_status
from tests.worker.pages import Answer, PageServer, article_page


async def _media_ids(database: Database) -> set[str]:
    async with database.connection() as connection:
        rows = await connection.execute(text("SELECT id FROM media"))
    return {str(row[0]) for row in rows}


async def test_a_redirect_to_a_saved_url_merges_into_that_media(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/final"] = [Answer(body=article_page("The Final Word"))]
    pages.script["/short"] = [Answer(status=301, location=pages.url("/final?utm_source=x"))]
    known = await save(queue_db, pages, "/final")
    async with running_worker(worker_settings):
        assert (await wait_for_status(queue_db, known)).status == "ready_for_reading"
        short = await save(queue_db, pages, "/short")
        for _ in range(600):
            if str(short) not in await _media_ids(queue_db):
                break
            await asyncio.sleep(0.1)
    assert await _media_ids(queue_db) == {str(known)}
    assert pages.hits["/final"] == 2
    async with queue_db.connection() as connection:
        holders = await connection.scalar(
            text("SELECT count(*) FROM library_media WHERE media_id = :id"), {"id": known}
        )
    assert holders == 2  # both savers' default libraries


async def test_a_redirect_to_a_blocked_address_fails_as_ssrf_blocked(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    target = f"http://127.0.0.2:{pages.port}/internal"
    pages.script["/hop"] = [Answer(status=302, location=target)]
    media_id = await save(queue_db, pages, "/hop")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.error_code) == ("failed", "E_SSRF_BLOCKED")
    assert "127.0.0.2" not in (state.error_message or "")
    assert pages.hits["/internal"] == 0


async def test_a_page_that_never_finishes_fails_as_a_timeout_after_its_attempts(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    settings = worker_settings.model_copy(update={"nexus_ingest_fetch_timeout_seconds": 0.5})
    stall = Answer(body=article_page("Never"), release=threading.Event())
    pages.script["/slow"] = [stall]
    media_id = await save(queue_db, pages, "/slow")
    try:
        async with running_worker(settings):
            state = await wait_for_status(queue_db, media_id)
    finally:
        assert stall.release is not None
        stall.release.set()
    assert (state.status, state.attempts, state.error_code) == ("failed", 3, "E_INGEST_TIMEOUT")


async def test_a_page_without_an_article_fails_with_a_message_for_people(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/empty"] = [
        Answer(body=b"<html><head><title>Empty</title></head><body></body></html>")
    ]
    media_id = await save(queue_db, pages, "/empty")
    async with running_worker(worker_settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts, state.error_code) == ("failed", 1, "E_INGEST_FAILED")
    assert state.error_message
    assert "Traceback" not in state.error_message


async def test_a_page_over_the_size_limit_fails_as_too_large(
    queue_db: Database, pages: PageServer, worker_settings: Settings
) -> None:
    settings = worker_settings.model_copy(update={"nexus_ingest_max_bytes": 4096})
    pages.script["/big"] = [Answer(body=article_page("Big", paragraphs=60))]
    media_id = await save(queue_db, pages, "/big")
    async with running_worker(settings):
        state = await wait_for_status(queue_db, media_id)
    assert (state.status, state.attempts, state.error_code) == (
        "failed",
        1,
        "E_CONTENT_TOO_LARGE",
    )
