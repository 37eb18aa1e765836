"""The queue's periodic upkeep: jobs of dead workers run again, finished jobs go away."""

from __future__ import annotations

import logging
from uuid import UUID

from procrastinate import JobContext, builtin_tasks
from procrastinate.exceptions import ConnectorException

from nexus.queue.app import PROCESS_MEDIA, QUEUE
from nexus.services.processing import release_for_retry
from nexus.worker.log_context import job_log_context
from nexus.worker.resources import resources_of

__all__ = ["FINISHED_JOBS_KEPT_HOURS", "recover_stalled_jobs", "remove_old_jobs"]

logger = logging.getLogger("nexus.worker")

FINISHED_JOBS_KEPT_HOURS = 7 * 24


async def recover_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Jobs still marked running by a worker that stopped sending heartbeats (killed,
    frozen, its machine gone) are queued again, their media back to PENDING first."""
    resources = resources_of(context)
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=resources.stalled_seconds
    )
    for job in stalled:
        media_id = job.task_kwargs.get("media_id") if job.task_name == PROCESS_MEDIA else None
        with job_log_context(job_id=job.id, media_id=str(media_id) if media_id else None):
            if isinstance(media_id, str):
                async with resources.database.transaction() as session:
                    await release_for_retry(session=session, media_id=UUID(media_id))
            try:
                await manager.retry_job(job)
            except ConnectorException as error:
                # Another recovery, or the worker itself, may have moved it on meanwhile.
                logger.warning("stalled job not queued again: %s", error.__cause__ or error)
                continue
            logger.warning("job of a stalled worker queued again")


async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete the queue's jobs finished (any outcome) more than a week ago: a media's
    outcome is on the media; the job rows only grow the table."""
    await builtin_tasks.remove_old_jobs(
        context,
        max_hours=FINISHED_JOBS_KEPT_HOURS,
        queue=QUEUE,
        remove_failed=True,
        remove_cancelled=True,
        remove_aborted=True,
    )
