"""The API's metric families (prometheus-client). Imported only when metrics are on.

Under `nexus serve --workers N` every worker process writes its values to files in the
directory its supervisor made (PROMETHEUS_MULTIPROC_DIR, one per server start), and a
scrape of any worker adds them up: counters and histograms are summed, and the gauges
below are `livesum`, the sum over the processes alive.

The requests' figures reach their families in bulk once a second, tallied meanwhile
(`nexus.observability.requests`).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "CACHE_LOOKUPS",
    "DB_POOL_CONNECTIONS",
    "EVENTS_FANNED_OUT",
    "REQUESTS",
    "REQUEST_SECONDS",
    "REQUEST_SECONDS_BUCKETS",
    "STATEMENTS_BUCKETS",
    "STATEMENTS_PER_REQUEST",
    "SUBSCRIPTIONS_ACTIVE",
    "WEBSOCKET_CONNECTIONS",
    "TalliedHistogram",
]


class TalliedHistogram(Histogram):
    """A histogram that also takes observations tallied elsewhere, bucket by bucket."""

    def add(self, buckets: list[int], total: float) -> None:
        """Add `buckets[i]` observations to the i-th bucket (the first whose bound is at
        least the value, as `observe` picks it; the last is +Inf) and `total` to the sum."""
        self._sum.inc(total)
        for value, count in zip(self._buckets, buckets, strict=True):
            if count:
                value.inc(count)


REQUESTS = Counter(
    "nexus_graphql_requests",
    "GraphQL requests over HTTP by operation type (query, mutation; none when refused "
    "before execution), read path (compiled, resolver, fallback, none) and HTTP status.",
    ["operation", "path", "code"],
)
# A compiled read takes about a millisecond: the first buckets are finer than the default.
REQUEST_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
REQUEST_SECONDS = TalliedHistogram(
    "nexus_graphql_request_duration_seconds",
    "Time from the request's arrival to its response, by operation type and read path.",
    ["operation", "path"],
    buckets=REQUEST_SECONDS_BUCKETS,
)
STATEMENTS_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)
STATEMENTS_PER_REQUEST = TalliedHistogram(
    "nexus_graphql_statements_per_request",
    "SQL statements one GraphQL request ran, by read path.",
    ["path"],
    buckets=STATEMENTS_BUCKETS,
)
DB_POOL_CONNECTIONS = Gauge(
    "nexus_db_pool_connections",
    "Connections of the API's pools (read: the reads' own pool; transaction: SQLAlchemy's) "
    "by state: in_use, idle, waiting (checkouts waiting for a free connection).",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "nexus_cache_lookups",
    "Lookups in the per-process caches (document: parsed and validated documents; plan: "
    "compiled read plans) by result: hit or miss.",
    ["cache", "result"],
)
WEBSOCKET_CONNECTIONS = Gauge(
    "nexus_websocket_connections",
    "Open graphql-transport-ws connections.",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS_ACTIVE = Gauge(
    "nexus_subscriptions_active",
    "Subscriptions registered for media events.",
    multiprocess_mode="livesum",
)
EVENTS_FANNED_OUT = Counter(
    "nexus_realtime_events_fanned_out",
    "Media events handed to subscribers by this process's fan-out, one per subscriber.",
)
