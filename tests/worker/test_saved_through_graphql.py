"""Saving through GraphQL and watching the worker's outcome through GraphQL: the reader's
own path (addMediaFromUrl, then media(id) until it is final)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest

from nexus.app import create_app
from nexus.config import Settings
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider
from tests.worker.conftest import running_worker
from tests.worker.pages import Answer, PageServer, article_page

SAVE = """mutation Save($url: String!) {
  addMediaFromUrl(input: {url: $url}) { created media { id processingStatus } }
}"""
STATE = """query State($id: ID!) {
  media(id: $id) {
    processingStatus processingAttempts processingError { code message }
    capabilities { canRead canRetry }
  }
}"""


@pytest.fixture
async def api_on_queue_db(
    worker_settings: Settings, identity: IdentityProvider
) -> AsyncIterator[Api]:
    """The API on the worker tests' database, committing for real."""
    app = create_app(worker_settings)
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


async def save(api: Api, user: UUID, url: str) -> str:
    saved = (await api.data(SAVE, {"url": url}, user=user))["addMediaFromUrl"]
    assert saved["created"]
    assert saved["media"]["processingStatus"] == "PENDING"
    media_id: str = saved["media"]["id"]
    return media_id


async def final_state(api: Api, user: UUID, media_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        media: dict[str, Any] = (await api.data(STATE, {"id": media_id}, user=user))["media"]
        if media["processingStatus"] in ("READY_FOR_READING", "FAILED"):
            return media
        assert time.monotonic() < deadline, f"still {media} after {seconds}s"
        await asyncio.sleep(0.1)


async def test_a_page_saved_through_graphql_becomes_readable(
    api_on_queue_db: Api, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/a"] = [Answer(body=article_page("Through The Front Door"))]
    user = await api_on_queue_db.new_user()
    media_id = await save(api_on_queue_db, user, pages.url("/a"))
    async with running_worker(worker_settings):
        media = await final_state(api_on_queue_db, user, media_id)
    assert media == {
        "processingStatus": "READY_FOR_READING",
        "processingAttempts": 1,
        "processingError": None,
        "capabilities": {"canRead": True, "canRetry": False},
    }


async def test_a_page_that_stays_unavailable_fails_after_three_attempts(
    api_on_queue_db: Api, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/down"] = [Answer(status=503, body=b"down for maintenance")]
    user = await api_on_queue_db.new_user()
    media_id = await save(api_on_queue_db, user, pages.url("/down"))
    async with running_worker(worker_settings):
        media = await final_state(api_on_queue_db, user, media_id)
    assert media["processingStatus"] == "FAILED"
    assert media["processingAttempts"] == 3
    assert media["processingError"]["code"] == "E_INGEST_FAILED"
    assert media["capabilities"] == {"canRead": False, "canRetry": True}
    assert pages.hits["/down"] == 3


async def test_a_pdf_saved_through_graphql_fails_at_once(
    api_on_queue_db: Api, pages: PageServer, worker_settings: Settings
) -> None:
    pages.script["/paper.pdf"] = [Answer(content_type="application/pdf", body=b"%PDF-1.4")]
    user = await api_on_queue_db.new_user()
    media_id = await save(api_on_queue_db, user, pages.url("/paper.pdf"))
    async with running_worker(worker_settings):
        media = await final_state(api_on_queue_db, user, media_id)
    assert (media["processingStatus"], media["processingAttempts"]) == ("FAILED", 1)
    assert media["processingError"]["code"] == "E_UNSUPPORTED_CONTENT"
