"""A pooled connection's liveness, checked at checkout without a round trip.

`pool_pre_ping` sends `SELECT 1` on every checkout: one more statement and one more round
trip for every loader batch. A connection the server has closed (restart, shutdown,
`pg_terminate_backend`, an idle timeout) needs no query to be found out: the server's
last message (a FATAL error) and the end of the stream are waiting on its socket. An idle
connection of ours is sent nothing otherwise (we never LISTEN, and notices and parameter
changes only answer a query), so a pooled connection whose socket is readable is refused,
and the pool replaces it with a new one (SQLAlchemy retries a checkout that raises
`DisconnectionError`). The check is one `poll` with no wait.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.psycopg import AsyncAdapt_psycopg_connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["check_liveness_on_checkout", "is_closed_by_server"]


def is_closed_by_server(connection: psycopg.AsyncConnection[Any]) -> bool:
    """True when the idle connection's server side is gone, or sent something unasked
    (which only a closing server does); no bytes are sent."""
    pgconn = connection.pgconn
    if pgconn.status != ConnStatus.OK:
        return True
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


def _on_checkout(
    dbapi_connection: AsyncAdapt_psycopg_connection, _record: object, _proxy: object
) -> None:
    if is_closed_by_server(dbapi_connection.driver_connection):
        raise DisconnectionError("the server closed the connection")


def check_liveness_on_checkout(engine: AsyncEngine) -> None:
    """Refuse dead connections at checkout from `engine`'s pool."""
    event.listen(engine.sync_engine, "checkout", _on_checkout)
