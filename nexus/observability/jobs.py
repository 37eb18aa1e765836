"""The job queue's metrics, exposed by each `nexus worker` on its health port.

A worker middleware (procrastinate's hook around every job) counts each job's outcome and
times it; the queue's backlog (jobs waiting and running by task, the age of the oldest
waiting one) is read from procrastinate_jobs at scrape time, so it is the whole queue's,
whichever worker answers: aggregate it with max(), not sum(). Imported only when metrics
are on.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from procrastinate import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text

from nexus.db.engine import Database
from nexus.errors import NexusError
from nexus.observability.exposition import exposition
from nexus.observability.http_listener import Answer
from nexus.queue.app import PROCESS_MEDIA

__all__ = ["queue_exposition", "record_job"]

JOBS = Counter(
    "nexus_jobs",
    "Jobs this worker ran to an end, by task and outcome: succeeded, failed (for good), "
    "retried (the queue runs it again later).",
    ["task", "outcome"],
)
JOBS_RUNNING = Gauge("nexus_jobs_running", "Jobs this worker is running, by task.", ["task"])
JOB_SECONDS = Histogram(
    "nexus_job_duration_seconds",
    "How long one run of a job took, by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120),
)
QUEUE_JOBS = Gauge(
    "nexus_queue_jobs",
    "Jobs in the queue at scrape time by task and status: todo (queued) or doing (running).",
    ["task", "status"],
)
OLDEST_WAITING = Gauge(
    "nexus_queue_oldest_job_age_seconds",
    "How long the oldest queued job that is due has waited (0 when none waits).",
)

# A job waits from its deferral, or from the time its retry was scheduled for.
_BACKLOG = text(
    """
    SELECT j.task_name, j.status::text AS status, count(*) AS jobs,
           max(extract(epoch FROM now() - coalesce(j.scheduled_at, (
               SELECT min(e.at) FROM procrastinate_events e
               WHERE e.job_id = j.id AND e.type = 'deferred'))))
             FILTER (WHERE j.status = 'todo' AND coalesce(j.scheduled_at, now()) <= now())
             AS oldest
    FROM procrastinate_jobs j
    WHERE j.status IN ('todo', 'doing')
    GROUP BY 1, 2
    """
)
SCRAPE_SECONDS = 3.0


async def record_job(call_next: AsyncCallNext, context: JobContext, worker: Worker) -> Any:  # noqa: ANN401 - the job's own result
    """procrastinate's worker middleware: time the job and count how it ended; a failure
    the task's retry strategy takes up is `retried`, any other `failed`."""
    task = context.job.task_name
    running = JOBS_RUNNING.labels(task)
    running.inc()
    started = time.perf_counter()
    outcome = "failed"
    try:
        result = await call_next()
        outcome = "succeeded"
        return result
    except BaseException as error:
        known = worker.app.tasks.get(task)
        if known is not None and known.get_retry_exception(exception=error, job=context.job):
            outcome = "retried"
        raise
    finally:
        running.dec()
        JOB_SECONDS.labels(task).observe(time.perf_counter() - started)
        JOBS.labels(task, outcome).inc()


async def queue_exposition(database: Database) -> Answer:
    """The worker's metrics with the queue's backlog read now; a database that does not
    answer leaves the backlog as last read (the health answer says it is lost)."""
    try:
        async with asyncio.timeout(SCRAPE_SECONDS), database.probe_connection() as probe:
            rows = (await probe.execute(_BACKLOG)).all()
    except (NexusError, TimeoutError):
        return exposition()
    QUEUE_JOBS.clear()
    for status in ("todo", "doing"):  # present at zero, so an alert sees an empty queue
        QUEUE_JOBS.labels(PROCESS_MEDIA, status).set(0)
    oldest = 0.0
    for row in rows:
        QUEUE_JOBS.labels(row.task_name, row.status).set(row.jobs)
        oldest = max(oldest, float(row.oldest or 0))
    OLDEST_WAITING.set(oldest)
    return exposition()
