"""Recording each GraphQL request: a count, its latency and its statements.

The request path only tallies: per (operation, path, status), plain integers counting the
requests and the observations of each histogram bucket, and the sums. The sampler adds the
tallies to the metric families once a second and right before a scrape this process
answers (`flush`), so the hot path makes none of prometheus-client's value updates, each
a locked write to a memory-mapped file in multiprocess mode (five per request). A scrape
answered by another worker sees this one's requests at most a second late.
"""

from __future__ import annotations

from bisect import bisect_left

from prometheus_client import Counter
from starlette.types import Scope

from nexus.observability.metrics import (
    REQUEST_SECONDS,
    REQUEST_SECONDS_BUCKETS,
    REQUESTS,
    STATEMENTS_BUCKETS,
    STATEMENTS_PER_REQUEST,
    TalliedHistogram,
)
from nexus.observability.request_record import RequestRecord, current_record

__all__ = ["RequestMetrics"]

_Key = tuple[str, str, int]


class _Tally:
    """Requests of one (operation, path, status) since the last flush."""

    __slots__ = ("count", "seconds", "seconds_sum", "statements", "statements_sum")

    def __init__(self) -> None:
        self.count = 0
        # One more than the bounds: the +Inf bucket, where bisect_left puts larger values.
        self.seconds = [0] * (len(REQUEST_SECONDS_BUCKETS) + 1)
        self.seconds_sum = 0.0
        self.statements = [0] * (len(STATEMENTS_BUCKETS) + 1)
        self.statements_sum = 0


class RequestMetrics:
    """Starts a record for each `/graphql` request and tallies it when it ends."""

    def __init__(self) -> None:
        self._tallies: dict[_Key, _Tally] = {}
        # By key: the request counter's, the latency histogram's and the statements
        # histogram's children, looked up once.
        self._children: dict[_Key, tuple[Counter, TalliedHistogram, TalliedHistogram]] = {}

    def start(self, scope: Scope) -> RequestRecord | None:
        """A record for this request (None for paths other than /graphql), current for the
        statement hooks until `finish`."""
        if scope["path"] != "/graphql":
            return None
        record = RequestRecord()
        current_record.set(record)
        return record

    def finish(self, record: RequestRecord, status: int, seconds: float) -> None:
        current_record.set(None)
        key = (record.operation, record.path, status)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        tally.count += 1
        tally.seconds[bisect_left(REQUEST_SECONDS_BUCKETS, seconds)] += 1
        tally.seconds_sum += seconds
        statements = record.statements
        tally.statements[bisect_left(STATEMENTS_BUCKETS, statements)] += 1
        tally.statements_sum += statements

    def flush(self) -> None:
        """Add the requests tallied since the last flush to the metrics."""
        tallies, self._tallies = self._tallies, {}
        for key, tally in tallies.items():
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = _children(*key)
            count, latency, statements = children
            count.inc(tally.count)
            latency.add(tally.seconds, tally.seconds_sum)
            statements.add(tally.statements, tally.statements_sum)


def _children(
    operation: str, path: str, status: int
) -> tuple[Counter, TalliedHistogram, TalliedHistogram]:
    return (
        REQUESTS.labels(operation, path, str(status)),
        REQUEST_SECONDS.labels(operation, path),
        STATEMENTS_PER_REQUEST.labels(path),
    )
