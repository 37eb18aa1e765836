"""What the metrics learn of one GraphQL request on its way: the operation's type, the read
path that answered, and the SQL statements it ran.

The request log middleware starts a record for each `/graphql` request when metrics are
on; the endpoint notes the operation and the path, and the statement hooks count into the
record of the request they run for (a context variable: a loader's batch runs in a task of
the request, which inherits it). With metrics off no record exists and nothing is noted.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Final

from graphql import OperationType

__all__ = ["ReadPath", "RequestRecord", "current_record", "note_execution"]


class ReadPath:
    """The path that answered a request; plain strings, which key the metrics' children
    at C speed (a StrEnum's hash is a Python call)."""

    COMPILED: Final = "compiled"  # one compiled statement answered
    RESOLVER: Final = "resolver"  # the resolver path by configuration, or a mutation
    FALLBACK: Final = "fallback"  # a query the compiled path handed to the resolver path
    NONE: Final = "none"  # refused before execution (auth, parse, validation, limits)


class RequestRecord:
    __slots__ = ("operation", "path", "statements")

    def __init__(self) -> None:
        self.operation = "none"
        self.path = ReadPath.NONE
        self.statements = 0


current_record: ContextVar[RequestRecord | None] = ContextVar("nexus_request_record", default=None)


def note_execution(kind: OperationType, path: str) -> None:
    """Note which operation type ran and which path answered it."""
    record = current_record.get()
    if record is not None:
        record.operation = kind.value
        record.path = path
