"""Keeps `nexus worker` running through a lost database.

procrastinate's worker stops when a statement of its loop fails (a fetch, a heartbeat,
its listener), and `nexus worker` used to exit with it, leaving the process manager to
restart it. Now the worker waits for the database (probing it once a second) and polls
again, so its health answer says what happened: 503 while the database is lost, 200 once
it is back. Jobs cut off by the loss run again at the queue's stalled-job recovery.

Stop signals are taken here, not by procrastinate: its loop returns alike after a signal
and after a failed side task, and only a signal must end the process. A signal cancels
the loop's task, which procrastinate turns into its graceful stop (running jobs finish
within the grace period).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Unpack

import psycopg
from procrastinate import App
from procrastinate.app import WorkerOptions
from procrastinate.exceptions import ConnectorException
from procrastinate.middleware import WorkerMiddleware

from nexus.config import Settings
from nexus.db.engine import Database
from nexus.observability.worker_health import WorkerHealth

__all__ = ["run_queue_worker"]

logger = logging.getLogger("nexus.worker")

PROBE_INTERVAL_SECONDS = 1.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_queue_worker(
    app: App, health: WorkerHealth, *, settings: Settings, **options: Unpack[WorkerOptions]
) -> None:
    """Open `app` and run its worker with `options` until SIGTERM or SIGINT; when the
    database is lost meanwhile, wait until it answers again and run it anew. Every job is
    counted and timed when metrics are on, traced when tracing is."""
    options["worker_middleware"] = job_middleware(settings, health.database)
    options["install_signal_handlers"] = False
    stop = asyncio.Event()
    running: list[asyncio.Task[None]] = []

    def on_signal() -> None:
        stop.set()
        for task in running:
            task.cancel()

    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal)
    try:
        while not stop.is_set():
            await _poll(app, health, running, stop, options)
            if not stop.is_set():
                await _wait_for_database(health, stop)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def job_middleware(settings: Settings, database: Database) -> list[WorkerMiddleware]:
    """procrastinate's worker middleware for the metrics and the tracing that are on."""
    middleware: list[WorkerMiddleware] = []
    if settings.metrics_enabled:
        from nexus.observability.jobs import record_job  # noqa: PLC0415 - only when on

        middleware.append(record_job)
    endpoint = settings.otel_exporter_otlp_endpoint
    if endpoint:
        from nexus.observability.statements import count_statements  # noqa: PLC0415
        from nexus.observability.tracing import trace_job, tracer_for  # noqa: PLC0415

        count_statements(database)
        middleware.append(trace_job(tracer_for("nexus-worker", endpoint)))
    return middleware


async def _poll(
    app: App,
    health: WorkerHealth,
    running: list[asyncio.Task[None]],
    stop: asyncio.Event,
    options: WorkerOptions,
) -> None:
    """One run of procrastinate's worker, until a signal cancels it or it stops itself."""
    try:
        async with app.open_async():
            health.polling = True
            task = asyncio.create_task(app.run_worker_async(**options))
            running.append(task)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # A signal cancelled the task, or the caller this coroutine: either way
                # procrastinate's graceful stop runs to its end (cancelled once only).
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                if not stop.is_set():
                    raise
                return
            logger.warning("lost the database: polling again once it answers")
    except (ConnectorException, psycopg.OperationalError) as error:
        logger.warning("lost the database (%s): polling again once it answers", error)
    finally:
        health.polling = False
        running.clear()


async def _wait_for_database(health: WorkerHealth, stop: asyncio.Event) -> None:
    """Probe once a second until the database answers or a stop signal arrives."""
    while not await health.database_answers():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PROBE_INTERVAL_SECONDS):
                await stop.wait()
                return
