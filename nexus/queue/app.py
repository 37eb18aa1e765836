"""The procrastinate app, its queue and task names, and how failed jobs are retried.

Jobs live in the application's own PostgreSQL (tables from migration 0004), so a save
queues its job in the transaction that creates the media (`nexus.queue.defer`, on the
caller's connection); a worker's app opens a pool of its own.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from procrastinate import App, PsycopgConnector
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

__all__ = [
    "PROCESS_MEDIA",
    "QUEUE",
    "ProcessingRetry",
    "RetryLater",
    "create_queue_app",
    "libpq_url",
]

QUEUE = "nexus"
PROCESS_MEDIA = "nexus.process_media"


def libpq_url(database_url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://` URL in the form libpq (and psycopg) accept."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_queue_app(database_url: str, *, pool_size: int = 4) -> App:
    """A worker's app, whose pool (opened by the worker) connects to `database_url`."""
    connector = PsycopgConnector(
        conninfo=libpq_url(database_url),
        min_size=1,
        max_size=pool_size,
        kwargs={"options": "-c timezone=UTC", "connect_timeout": 5},
    )
    return App(connector=connector)


class RetryLater(Exception):  # noqa: N818 - a request to the queue, not an error
    """Raised by a job whose media was released for another attempt."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"retry after {attempts} attempt(s)")
        self.attempts = attempts


class ProcessingRetry(BaseRetryStrategy):
    """A job that asked for it (`RetryLater`) runs again after an exponential backoff with
    jitter; a job cancelled by a stopping worker runs again at once; any other failure
    is final (the job recorded it on the media)."""

    def __init__(self, *, base_seconds: float) -> None:
        self.base_seconds = base_seconds

    def delay(self, attempts: int) -> float:
        """base * 2^(attempts-1), scaled by a random factor in [0.5, 1.5) so that jobs
        failing together (a site down) do not come back together."""
        return float(self.base_seconds * 2 ** max(attempts - 1, 0)) * (0.5 + random.random())  # noqa: S311

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        now = datetime.now(UTC)
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_at=now + timedelta(seconds=self.delay(exception.attempts)))
        if isinstance(exception, asyncio.CancelledError):
            return RetryDecision(retry_at=now)
        return None
