"""Recording each GraphQL request: a count, its latency and its statements.

The hot path pays a few counter and histogram updates per request: the labelled children
are looked up once per label combination and kept, so a request costs a dict lookup and
the updates themselves (in multiprocess mode, writes to memory-mapped files).
"""

from __future__ import annotations

from typing import Any, Self

import psycopg
from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

from nexus.observability.metrics import REQUEST_SECONDS, REQUESTS, STATEMENTS_PER_REQUEST
from nexus.observability.request_record import RequestRecord, current_record

__all__ = ["RequestMetrics", "count_statements"]

STATEMENT_CHARS = 200
# Where a traced statement's span waits on SQLAlchemy's execution context for its end.
_SPAN = "_nexus_span"


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


class _CountingCursor(psycopg.AsyncCursor[Any]):
    """The read pool's cursors: each statement counts for the request it runs for (and
    is traced, when tracing is on)."""

    # psycopg's own signature is a pair of overloads; the arguments go through as they came.
    async def execute(self, *args: Any, **kwargs: Any) -> Self:  # noqa: ANN401
        record = current_record.get()
        if record is None:
            return await super().execute(*args, **kwargs)
        record.statements += 1
        if record.tracer is None:
            return await super().execute(*args, **kwargs)
        with record.tracer.start_as_current_span("SQL", attributes=_statement(args[0])):
            return await super().execute(*args, **kwargs)


def _statement(sql: object) -> dict[str, str]:
    # The first characters: enough to tell statements apart, not a compiled plan's 10 KB.
    return {"db.system": "postgresql", "db.statement": str(sql)[:STATEMENT_CHARS]}


def _count_on(connection: psycopg.AsyncConnection[Any]) -> None:
    connection.cursor_factory = _CountingCursor


def _before(
    _conn: object, _cursor: object, sql: str, _params: object, execution: object, *_: object
) -> None:
    record = current_record.get()
    if record is not None:
        record.statements += 1
        # No execution context: a read announced on a test's pinned connection, which
        # fires no event after it, so no span is left open.
        if record.tracer is not None and execution is not None:
            span = record.tracer.start_span("SQL", attributes=_statement(sql))
            setattr(execution, _SPAN, span)


def _after(
    _conn: object, _cursor: object, _sql: str, _params: object, execution: object, *_: object
) -> None:
    span = getattr(execution, _SPAN, None)
    if span is not None:
        span.end()


def count_statements(engine: AsyncEngine, read_pool_hooks: list[Any]) -> None:
    """Count (and trace) the statements of SQLAlchemy's connections (transactions, a
    test's pinned connection) with its cursor events, and those of the read pool's
    connections with their cursor class (the reads run on the driver, where no SQLAlchemy
    event fires)."""
    target = engine.sync_engine
    for name, hook in (("before_cursor_execute", _before), ("after_cursor_execute", _after)):
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)
    if _count_on not in read_pool_hooks:
        read_pool_hooks.append(_count_on)
