"""Worker tests: a migrated database of their own, a page server, saves, and waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from nexus.config import Settings
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from nexus.services.saving import add_media_from_url
from nexus.services.saving_policy import SavingPolicy
from nexus.services.users import ensure_user_and_default_library
from nexus.worker.runner import run_worker
from tests.worker.pages import PageServer, page_server

FINAL_STATUSES = ("ready_for_reading", "failed")


@dataclass(frozen=True)
class MediaState:
    status: str
    attempts: int
    error_code: str | None
    error_message: str | None


@pytest.fixture
def queue_db_url(create_database) -> str:
    """A migrated database for this test alone: workers see only this test's jobs."""
    url: str = create_database("nexus_worker")
    upgrade(url)
    return url


@pytest.fixture
async def queue_db(queue_db_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(queue_db_url, pool_size=2))
    yield database
    await database.dispose()


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def worker_settings(settings: Settings, queue_db_url: str, pages: PageServer) -> Settings:
    """Fast retries and recovery, the page server allowed."""
    return settings.model_copy(
        update={
            "database_url": queue_db_url,
            "nexus_ingest_allow_hosts": pages.allow_hosts,
            "nexus_ingest_retry_base_seconds": 0.2,
            "nexus_shutdown_grace_seconds": 5,
        }
    )


async def save(database: Database, pages: PageServer, path: str) -> UUID:
    """Save the page server's `path` as a new user would; the media's id."""
    viewer_id = uuid4()
    policy = SavingPolicy(allow_hosts=frozenset({("127.0.0.1", pages.port)}))
    async with database.transaction() as session:
        await ensure_user_and_default_library(session=session, user_id=viewer_id)
        row, created = await add_media_from_url(
            session=session,
            viewer_id=viewer_id,
            url=pages.url(path),
            library_id=None,
            policy=policy,
        )
    assert created
    media_id: UUID = row.id
    return media_id


async def media_state(database: Database, media_id: UUID) -> MediaState:
    async with database.connection() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT processing_status, processing_attempts, processing_error_code,"
                    " processing_error_message FROM media WHERE id = :id"
                ),
                {"id": media_id},
            )
        ).one()
    return MediaState(*row)


async def wait_for_status(
    database: Database,
    media_id: UUID,
    statuses: tuple[str, ...] = FINAL_STATUSES,
    seconds: float = 60,
) -> MediaState:
    deadline = time.monotonic() + seconds
    while True:
        state = await media_state(database, media_id)
        if state.status in statuses:
            return state
        assert time.monotonic() < deadline, f"still {state} after {seconds}s"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def running_worker(settings: Settings, *, concurrency: int = 2) -> AsyncIterator[None]:
    """`nexus worker`'s loop in this process, stopped (as on a signal) at the block's end."""
    worker = asyncio.create_task(run_worker(settings, concurrency=concurrency))
    try:
        yield
    finally:
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker
