"""`nexus worker`'s health answer: a small HTTP listener on `NEXUS_WORKER_HEALTH_PORT`.

`GET /health` is 200 while the worker polls the queue and its database answers, else 503;
`GET /metrics` is the worker's Prometheus metrics when they are on. The API's `/ready`
cannot stand in: a worker has no HTTP server, and its database may be lost while the API's
is not (another network path, a proxy of its own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import text

from nexus.config import Settings
from nexus.db.engine import Database
from nexus.errors import NexusError
from nexus.observability.http_listener import Answer, http_listener

__all__ = ["WorkerHealth", "worker_health"]

logger = logging.getLogger("nexus.worker")

# A probe slower than this is a database the worker cannot use either.
PROBE_SECONDS = 3.0
JSON = "application/json"


class WorkerHealth:
    """Whether the worker is polling the queue (`polling`, set around procrastinate's loop)
    and its database answers a probe on the probe's own connection (never queued behind
    the jobs)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.polling = False

    async def healthy(self) -> bool:
        """Polling, and the database answering."""
        return self.polling and await self.database_answers()

    async def database_answers(self) -> bool:
        """The database answers `SELECT 1` within PROBE_SECONDS."""
        try:
            async with asyncio.timeout(PROBE_SECONDS), self.database.probe_connection() as probe:
                await probe.execute(text("SELECT 1"))
        except (NexusError, TimeoutError):
            return False
        return True

    async def answer(self) -> Answer:
        if await self.healthy():
            return 200, b'{"status": "ok"}', JSON
        return 503, b'{"status": "unavailable"}', JSON


@asynccontextmanager
async def worker_health(settings: Settings, database: Database) -> AsyncIterator[WorkerHealth]:
    """The worker's health, answered on NEXUS_WORKER_HEALTH_PORT on every interface (an
    orchestrator probes it from elsewhere) while the block runs, when that is set."""
    health = WorkerHealth(database)
    port = settings.nexus_worker_health_port
    if port is None:
        yield health
        return
    routes: dict[str, Callable[[], Awaitable[Answer]]] = {"/health": health.answer}
    if settings.metrics_enabled:
        from nexus.observability.jobs import queue_exposition  # noqa: PLC0415 - only when on

        async def metrics() -> Answer:
            return await queue_exposition(database)

        routes["/metrics"] = metrics
    async with http_listener(routes, host="0.0.0.0", port=port):  # noqa: S104
        logger.info("worker health on port %d: %s", port, ", ".join(routes))
        yield health
