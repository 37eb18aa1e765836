"""Database failures as typed errors, at the one door to PostgreSQL.

A statement cancelled by `statement_timeout`, or unanswered past the read pool's deadline,
is E_TIMEOUT; a server that is down, restarting, refusing connections or out of them (or a
pool with none free in time, or closed at shutdown) is E_UNAVAILABLE. Everything else (a
constraint violation, a bug in a query) stays what it is, so it is logged and answered as
E_INTERNAL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import exc as sa_exc

from nexus.db.read_pool import ReadDeadlineError, ReadPoolClosedError, ReadPoolTimeoutError
from nexus.errors import ErrorCode, NexusError

__all__ = ["database_fault", "typed_database_faults"]

logger = logging.getLogger("nexus.db")


def database_fault(error: BaseException) -> NexusError | None:
    """The typed error a database failure stands for, or None when it is not one."""
    if isinstance(error, sa_exc.TimeoutError | ReadPoolTimeoutError):
        return NexusError(ErrorCode.E_UNAVAILABLE, "The database has no connection free.")
    if isinstance(error, ReadPoolClosedError):
        return NexusError(ErrorCode.E_UNAVAILABLE, "The server is shutting down.")
    if isinstance(error, ReadDeadlineError):
        return NexusError(ErrorCode.E_TIMEOUT, "The database took too long to answer.")
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(cause, pg_errors.QueryCanceled):
        return NexusError(ErrorCode.E_TIMEOUT, "The database took too long to answer.")
    if isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
        return NexusError(ErrorCode.E_UNAVAILABLE, "The database is unavailable.")
    return None


@contextmanager
def typed_database_faults() -> Iterator[None]:
    """Re-raise database failures inside the block as their typed NexusError."""
    try:
        yield
    except NexusError:
        raise
    except Exception as error:
        fault = database_fault(error)
        if fault is None:
            raise
        cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
        # The driver's own first line: no SQL text, no parameters.
        detail = str(cause).split("\n", 1)[0]
        logger.warning("%s: %s: %s", fault.code.value, type(cause).__name__, detail)
        raise fault from error
