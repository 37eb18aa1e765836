"""Turns graphql-core errors into the error shape of transport.md.

Domain errors keep their code; GraphQL request errors are E_INVALID_REQUEST; anything else
is logged with its traceback and reaches the client only as a generic E_INTERNAL.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, ValueNode

from nexus.db.faults import database_fault
from nexus.errors import STATUS_BY_CODE, ErrorCode, NexusError

__all__ = ["format_execution_error", "format_request_error", "internal_error"]

logger = logging.getLogger("nexus.graphql")

Formatted = dict[str, Any]


def _shape(
    message: str,
    extensions: dict[str, object],
    error: GraphQLError | None = None,
) -> Formatted:
    formatted: Formatted = {"message": message}
    if error is not None and error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error is not None and error.path is not None:
        formatted["path"] = list(error.path)
    formatted["extensions"] = extensions
    return formatted


def internal_error(request_id: str, error: GraphQLError | None = None) -> Formatted:
    code = ErrorCode.E_INTERNAL
    return _shape(
        "Internal server error",
        {"code": code.value, "status": STATUS_BY_CODE[code], "requestId": request_id},
        error,
    )


def format_request_error(error: GraphQLError | NexusError) -> Formatted:
    """An error found before execution: bad document, bad variables, bad parameters."""
    if isinstance(error, NexusError):
        return _shape(error.message, error.extensions())
    code = ErrorCode.E_INVALID_REQUEST
    # A limit's details (`{"cost": {"requested": …, "maximum": …}}`) follow code and status.
    details = {"code": code.value, "status": STATUS_BY_CODE[code], **(error.extensions or {})}
    return _shape(error.message, details, error)


def _is_argument_error(original: BaseException | None) -> bool:
    """An argument that failed to coerce at execution time, such as an explicit null
    variable for a non-null argument with a default (validation allows it): graphql-core
    locates those errors on the request's values, never so a resolver's or a result's."""
    return (
        isinstance(original, GraphQLError)
        and bool(original.nodes)
        and all(isinstance(node, ValueNode) for node in original.nodes or ())
    )


def format_execution_error(error: GraphQLError, request_id: str) -> Formatted:
    """An error raised while resolving a field."""
    original = error.original_error
    if original is not None and not isinstance(original, NexusError):
        # Normally translated by `Database` already; a driver error may still slip through.
        original = database_fault(original) or original
    if isinstance(original, NexusError):
        return _shape(original.message, original.extensions(), error)
    if _is_argument_error(original):
        code = ErrorCode.E_INVALID_REQUEST
        return _shape(error.message, {"code": code.value, "status": STATUS_BY_CODE[code]}, error)
    logger.error(
        "unhandled error in %s",
        ".".join(str(p) for p in error.path or ()) or "operation",
        exc_info=original or error,
        extra={"request_id": request_id},
    )
    return internal_error(request_id, error)
