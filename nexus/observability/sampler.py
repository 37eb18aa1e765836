"""Gauges, cache counters and request tallies of one API process, sampled off the request
path.

The pools, the caches, the WebSocket endpoint and the request recorder keep their own plain
counts; a sampler copies them into the metrics once a second and once more right before a
scrape that this process answers. In multiprocess mode a scrape answered by another worker sees this
process's values as of its last sample, at most a second old: callbacks at scrape time
cannot reach into other processes, and a second is finer than any scrape interval.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.pool import QueuePool

from nexus.app.websocket import GraphQLWebSocket
from nexus.compiled import CompiledReads
from nexus.db.engine import Database
from nexus.graphql.document_cache import DocumentCache
from nexus.observability.metrics import (
    CACHE_LOOKUPS,
    DB_POOL_CONNECTIONS,
    SUBSCRIPTIONS_ACTIVE,
    WEBSOCKET_CONNECTIONS,
)
from nexus.observability.requests import RequestMetrics

__all__ = ["ProcessSampler"]

SAMPLE_SECONDS = 1.0


def _transaction_waiters(pool: QueuePool) -> int:
    """Checkouts waiting on SQLAlchemy's async queue pool: its asyncio queue's waiting
    getters (no public count exists; anything else reads as none waiting)."""
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    return len(getattr(queue, "_getters", ()) or ())


@dataclass
class ProcessSampler:
    database: Database
    documents: DocumentCache[Any, Any]
    compiled: CompiledReads | None
    websocket: GraphQLWebSocket
    requests: RequestMetrics
    # What the counters held at the last sample: the metrics get the difference.
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def sample(self) -> None:
        self.requests.flush()
        reads = self.database.read_pool
        DB_POOL_CONNECTIONS.labels("read", "in_use").set(reads.in_use)
        DB_POOL_CONNECTIONS.labels("read", "waiting").set(reads.waiting)
        DB_POOL_CONNECTIONS.labels("read", "idle").set(reads.idle)
        pool = self.database.engine.pool
        if isinstance(pool, QueuePool):  # a test's engine may pool otherwise
            DB_POOL_CONNECTIONS.labels("transaction", "in_use").set(pool.checkedout())
            DB_POOL_CONNECTIONS.labels("transaction", "idle").set(pool.checkedin())
            DB_POOL_CONNECTIONS.labels("transaction", "waiting").set(_transaction_waiters(pool))
        self._add("document", "hit", self.documents.hits)
        self._add("document", "miss", self.documents.misses)
        if self.compiled is not None:
            self._add("plan", "hit", self.compiled.plans.hits)
            self._add("plan", "miss", self.compiled.plans.misses)
        WEBSOCKET_CONNECTIONS.set(len(self.websocket.sessions))
        SUBSCRIPTIONS_ACTIVE.set(self.websocket.fanout.subscribers)

    def _add(self, cache: str, result: str, total: int) -> None:
        seen = self._seen.get((cache, result), 0)
        if total > seen:
            CACHE_LOOKUPS.labels(cache, result).inc(total - seen)
            self._seen[cache, result] = total

    async def run(self) -> None:
        """Sample once a second until cancelled."""
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_SECONDS)
