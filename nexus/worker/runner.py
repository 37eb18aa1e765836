"""`nexus worker`: one process running the queue's jobs until SIGTERM or SIGINT.

On a stop signal the worker takes no new job, lets running ones finish for up to the
grace period, then cancels the rest, which the queue runs again at once (elsewhere or at
the next start): a job is finished or retried, never lost.
"""

from __future__ import annotations

import logging
import os

from procrastinate import App

from nexus.config import Settings, SettingsError
from nexus.db.engine import Database, create_engine
from nexus.ingest.fetch import FetchLimits
from nexus.observability.worker_health import worker_health
from nexus.queue.app import PROCESS_MEDIA, QUEUE, ProcessingRetry, create_queue_app
from nexus.worker.extraction import PageExtractor
from nexus.worker.log_context import JobLogFilter
from nexus.worker.maintenance import recover_stalled_jobs, remove_old_jobs
from nexus.worker.polling import run_queue_worker
from nexus.worker.process_media import process_media
from nexus.worker.resources import WorkerResources

__all__ = ["register_tasks", "run_worker"]

RECOVER_STALLED_JOBS = "nexus.recover_stalled_jobs"
REMOVE_OLD_JOBS = "nexus.remove_old_jobs"


def register_tasks(app: App, settings: Settings) -> None:
    """The jobs a worker runs: processing, and the periodic upkeep of the queue."""
    retry = ProcessingRetry(base_seconds=settings.nexus_ingest_retry_base_seconds)
    app.task(name=PROCESS_MEDIA, queue=QUEUE, pass_context=True, retry=retry)(process_media)
    recover = app.task(name=RECOVER_STALLED_JOBS, queue=QUEUE, pass_context=True)(
        recover_stalled_jobs
    )
    app.periodic(cron=settings.nexus_worker_recovery_cron, periodic_id="recover")(recover)
    prune = app.task(name=REMOVE_OLD_JOBS, queue=QUEUE, pass_context=True)(remove_old_jobs)
    app.periodic(cron="17 * * * *", periodic_id="prune")(prune)


async def run_worker(settings: Settings, *, concurrency: int, processes: int = 1) -> None:
    """Run jobs, `concurrency` at a time (their fetches and database work overlap), with
    `processes` child processes running the pipeline, until a stop signal."""
    if not settings.database_url:
        raise SettingsError("DATABASE_URL: not set (`nexus dev` starts a worker of its own)")
    for handler in logging.getLogger().handlers:
        handler.addFilter(JobLogFilter())
    # Beside the jobs' own statements: procrastinate's fetches, heartbeats and listener.
    app = create_queue_app(settings.database_url, pool_size=concurrency + 3)
    register_tasks(app, settings)
    database = Database(create_engine(settings.database_url, pool_size=concurrency))
    extractor = PageExtractor(processes=min(processes, concurrency))
    resources = WorkerResources(
        database=database,
        extractor=extractor,
        limits=FetchLimits.from_settings(settings),
        allow_hosts=settings.ingest_allow_hosts,
        max_attempts=settings.nexus_ingest_max_attempts,
        stalled_seconds=settings.nexus_worker_stalled_seconds,
    )
    try:
        await extractor.start()
        async with worker_health(settings, database) as health:
            await run_queue_worker(
                app,
                health,
                settings=settings,
                queues=[QUEUE],
                name=f"nexus-{os.getpid()}",
                concurrency=concurrency,
                # A retried job is due after its backoff, which no notification announces:
                # polling once a second (one cheap statement) keeps the wait near the backoff.
                fetch_job_polling_interval=1.0,
                shutdown_graceful_timeout=settings.nexus_shutdown_grace_seconds,
                update_heartbeat_interval=settings.nexus_worker_heartbeat_seconds,
                stalled_worker_timeout=settings.nexus_worker_stalled_seconds,
                additional_context=resources.as_context(),
            )
    finally:
        extractor.close()
        await database.dispose()
