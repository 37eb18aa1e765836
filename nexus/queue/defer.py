"""Queueing a media's processing job in the caller's transaction."""

from __future__ import annotations

from uuid import UUID

from procrastinate import PsycopgConnector
from procrastinate.manager import JobManager
from procrastinate.tasks import configure_task
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.queue.app import PROCESS_MEDIA, QUEUE

__all__ = ["queue_processing"]

# Defers only on the connections it is given: no pool to open or close, and no App (whose
# construction registers procrastinate's builtin tasks, and says so in the API's log).
_jobs = JobManager(connector=PsycopgConnector())


async def queue_processing(session: AsyncSession, media_id: UUID) -> None:
    """Queue the processing of `media_id` inside the session's transaction: the job
    exists if and only if the caller commits, so a media row never exists without its
    job nor a job without its row. The media id is the job's lock (one job of a media
    runs at a time) and its queueing lock (one job of a media waits at a time:
    procrastinate's AlreadyEnqueued otherwise)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    key = str(media_id)
    await configure_task(
        name=PROCESS_MEDIA,
        job_manager=_jobs,
        queue=QUEUE,
        lock=key,
        queueing_lock=key,
        connection=raw.driver_connection,
    ).defer_async(media_id=key)
