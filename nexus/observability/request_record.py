"""What the metrics learn of one GraphQL request on its way: the operation's type, the read
path that answered, and the SQL statements it ran.

The request log middleware starts a record for each `/graphql` request when metrics are
on; the endpoint notes the operation and the path, and the statement hooks count into the
record of the request they run for (a context variable: a loader's batch runs in a task of
the request, which inherits it). With metrics off no record exists and nothing is noted.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Final, Protocol

from graphql import OperationDefinitionNode
from starlette.types import Scope

__all__ = ["ReadPath", "RequestObserver", "RequestRecord", "current_record", "note_execution"]


class ReadPath:
    """The path that answered a request; plain strings, which key the metrics' children
    at C speed (a StrEnum's hash is a Python call)."""

    COMPILED: Final = "compiled"  # one compiled statement answered
    RESOLVER: Final = "resolver"  # the resolver path by configuration, or a mutation
    FALLBACK: Final = "fallback"  # a query the compiled path handed to the resolver path
    NONE: Final = "none"  # refused before execution (auth, parse, validation, limits)


class RequestRecord:
    """One request's (or one job's) notes. With tracing on, `tracer` starts a span per
    statement, a child of `span`, the request's."""

    __slots__ = ("context_token", "name", "operation", "path", "span", "statements", "tracer")

    def __init__(self) -> None:
        self.operation = "none"
        self.name = ""
        self.path = ReadPath.NONE
        self.statements = 0
        self.tracer: Any = None
        self.span: Any = None
        self.context_token: Any = None


class RequestObserver(Protocol):
    """What the request log middleware calls around each request: metrics, tracing."""

    def start(self, scope: Scope) -> RequestRecord | None: ...

    def finish(self, record: RequestRecord, status: int, seconds: float) -> None: ...


current_record: ContextVar[RequestRecord | None] = ContextVar("nexus_request_record", default=None)


def note_execution(operation: OperationDefinitionNode, path: str) -> None:
    """Note which operation ran and which path answered it."""
    record = current_record.get()
    if record is not None:
        record.operation = operation.operation.value
        record.name = operation.name.value if operation.name else ""
        record.path = path
