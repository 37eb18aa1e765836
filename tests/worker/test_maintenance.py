"""The queue's upkeep: jobs finished more than a week ago are deleted, the rest stay."""

from __future__ import annotations

import time
from uuid import UUID, uuid4

from procrastinate import JobContext
from procrastinate.jobs import Job
from sqlalchemy import text

from nexus.db.engine import Database
from nexus.queue.app import QUEUE, create_queue_app
from nexus.queue.defer import queue_processing
from nexus.worker.maintenance import remove_old_jobs


async def queued_job(database: Database, status: str, days_ago: int) -> UUID:
    """A job of a media, moved to `status`, its events (hence its finish) `days_ago`."""
    media_id = uuid4()
    async with database.transaction() as session:
        await queue_processing(session, media_id)
        await session.execute(
            text(
                "UPDATE procrastinate_jobs SET status = CAST(:status AS procrastinate_job_status)"
                " WHERE args->>'media_id' = :media_id"
            ),
            {"status": status, "media_id": str(media_id)},
        )
        await session.execute(
            text(
                "UPDATE procrastinate_events SET at = now() - make_interval(days => :days)"
                " WHERE job_id = (SELECT id FROM procrastinate_jobs"
                " WHERE args->>'media_id' = :media_id)"
            ),
            {"days": days_ago, "media_id": str(media_id)},
        )
    return media_id


async def test_jobs_finished_more_than_a_week_ago_are_removed(
    queue_db: Database, queue_db_url: str
) -> None:
    removed = {
        await queued_job(queue_db, "succeeded", 8),
        await queued_job(queue_db, "failed", 8),
    }
    kept = {
        await queued_job(queue_db, "succeeded", 6),
        await queued_job(queue_db, "failed", 1),
        await queued_job(queue_db, "todo", 30),
    }
    app = create_queue_app(queue_db_url)
    async with app.open_async():
        context = JobContext(
            app=app,
            job=Job(id=0, queue=QUEUE, lock=None, queueing_lock=None, task_name="prune"),
            start_timestamp=time.time(),
            abort_reason=lambda: None,
        )
        await remove_old_jobs(context, timestamp=int(time.time()))
    async with queue_db.connection() as connection:
        rows = await connection.execute(text("SELECT args->>'media_id' FROM procrastinate_jobs"))
        left = {UUID(row[0]) for row in rows}
    assert left == kept
    assert not left & removed
