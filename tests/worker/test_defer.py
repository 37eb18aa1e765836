"""queue_processing: the job is queued in the caller's transaction, once per media."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text

from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from nexus.queue.app import PROCESS_MEDIA, QUEUE
from nexus.queue.defer import queue_processing


class RollbackError(Exception):
    """Raised inside a transaction to make it roll back."""


@pytest.fixture(scope="module")
def queue_database_url(create_database) -> str:
    url: str = create_database("nexus_queue")
    upgrade(url)
    return url


@pytest.fixture
async def database(queue_database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(queue_database_url, pool_size=2))
    yield database
    await database.dispose()


async def jobs_of(database: Database, media_id: UUID) -> list[tuple[str, str, str, str, str]]:
    async with database.connection() as connection:
        rows = await connection.execute(
            text(
                "SELECT task_name, queue_name, lock, queueing_lock, status FROM procrastinate_jobs"
                " WHERE args->>'media_id' = :media_id"
            ),
            {"media_id": str(media_id)},
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_rolled_back_transaction_queues_no_job(database: Database) -> None:
    media_id = uuid4()

    async def save_then_fail() -> None:
        async with database.transaction() as session:
            await queue_processing(session, media_id)
            raise RollbackError

    with pytest.raises(RollbackError):
        await save_then_fail()
    assert await jobs_of(database, media_id) == []


async def test_a_committed_transaction_queues_one_job_locked_by_the_media(
    database: Database,
) -> None:
    media_id = uuid4()
    async with database.transaction() as session:
        await queue_processing(session, media_id)
    key = str(media_id)
    assert await jobs_of(database, media_id) == [(PROCESS_MEDIA, QUEUE, key, key, "todo")]


async def test_a_media_has_one_waiting_job_at_a_time(database: Database) -> None:
    media_id = uuid4()
    async with database.transaction() as session:
        await queue_processing(session, media_id)
    with pytest.raises(AlreadyEnqueued):
        async with database.transaction() as session:
            await queue_processing(session, media_id)
    assert len(await jobs_of(database, media_id)) == 1
