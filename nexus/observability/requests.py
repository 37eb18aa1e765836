"""Recording each GraphQL request: a count, its latency and its statements.

The hot path pays a few counter and histogram updates per request: the labelled children
are looked up once per label combination and kept, so a request costs a dict lookup and
the updates themselves (in multiprocess mode, writes to memory-mapped files).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from starlette.types import Scope

from nexus.observability.metrics import REQUEST_SECONDS, REQUESTS, STATEMENTS_PER_REQUEST
from nexus.observability.request_record import RequestRecord, current_record

__all__ = ["RequestMetrics"]


class RequestMetrics:
    """Starts a record for each `/graphql` request and records it when it ends."""

    def __init__(self) -> None:
        # By (operation, path, status): the request counter's, the latency histogram's and
        # the statements histogram's children.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram, Histogram]] = {}

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
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = _children(*key)
        count, latency, statements = children
        count.inc()
        latency.observe(seconds)
        statements.observe(record.statements)


def _children(operation: str, path: str, status: int) -> tuple[Counter, Histogram, Histogram]:
    return (
        REQUESTS.labels(operation, path, str(status)),
        REQUEST_SECONDS.labels(operation, path),
        STATEMENTS_PER_REQUEST.labels(path),
    )
