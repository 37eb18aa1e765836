"""One async engine per process, sessions per unit of work, and `transaction()`.

`Database` is the only door to PostgreSQL. Production code asks it for the driver's
own connection for reads (each loader batch and each compiled read gets its own
connection from the read pool, `nexus.db.read_pool`, so sibling resolvers can run at
once), a SQLAlchemy connection for the few reads outside a request's hot path
(identity), the readiness probe's own connection, or a transaction (one session,
committed on success, rolled back on any error). Tests build it over one
connection inside an outer transaction instead, so each test is rolled back at the end;
there, units of work are serialized on that connection and transactions become
SAVEPOINTs.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from nexus.db.faults import typed_database_faults
from nexus.db.liveness import check_liveness_on_checkout
from nexus.db.read_pool import ReadPool

__all__ = ["Database", "DriverConnection", "Record", "create_engine"]


def create_engine(
    url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None
) -> AsyncEngine:
    """The process's engine: psycopg 3 async, UTC sessions, and for the API's sessions a
    `statement_timeout` (0 turns it off), set in the URL so that the read pool's
    connections are the same. Pooled connections the server has closed are
    replaced at checkout without a round trip (`nexus.db.liveness`), not pre-pinged.

    The pool has a fixed size: a request finding every connection busy waits for one (up to
    `pool_timeout`, then E_UNAVAILABLE). Overflow connections would be closed as soon as
    they were returned, and under steady load that meant a new PostgreSQL backend (a fork,
    authentication, no prepared statements) for most requests: 500 connections in 10 s,
    twice the database CPU per request."""
    options = "-c timezone=UTC"
    if statement_timeout_ms is not None:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    engine = create_async_engine(
        make_url(url).update_query_dict({"options": options, "connect_timeout": "5"}),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=5,
    )
    check_liveness_on_checkout(engine)
    return engine


# A row of a statement run on the driver: a named tuple (`row.id`, `row[0]`).
Record = Any


@dataclass(frozen=True, slots=True)
class DriverConnection:
    """A psycopg connection, the dialect statements are compiled for, and the SQLAlchemy
    connection around it when there is one (a test's pinned connection): its cursor
    events then fire for statement counters."""

    driver: psycopg.AsyncConnection[Any]
    dialect: Dialect
    events: Connection | None

    def announce(self, cursor: psycopg.AsyncCursor[Any], sql: str, params: object) -> None:
        """Fire SQLAlchemy's cursor event for a statement about to run, where there is a
        SQLAlchemy connection to fire it on."""
        if self.events is not None:
            self.events.dispatch.before_cursor_execute(
                self.events, cursor, sql, params, None, False
            )

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Record]:
        """Every row of one statement whose SQL (in psycopg's paramstyle) is final."""
        async with self.driver.cursor(row_factory=namedtuple_row) as cursor:
            self.announce(cursor, sql, params)
            await cursor.execute(sql, params)
            return await cursor.fetchall()


class Database:
    """Hands out connections and transactions from one engine (or one pinned connection)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        pinned: AsyncConnection | None = None,
        read_deadline_seconds: float = 10.0,
    ) -> None:
        self.engine = engine
        # Reads run in autocommit: each is one statement on its own snapshot anyway, and
        # BEGIN and ROLLBACK around it would be two more round trips per loader batch.
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._pinned = pinned
        self._pinned_lock = asyncio.Lock()
        # Set on the views `snapshot()` hands out: their one connection.
        self._snapshot: DriverConnection | None = None
        url = engine.url
        parts: dict[str, Any] = {
            **url.translate_connect_args(username="user", database="dbname"),
            **url.query,
        }
        conninfo = make_conninfo("", **parts)
        # A read's connection is cut off when it outlives the operation time limit.
        size: int = engine.pool.size()  # type: ignore[attr-defined]  # QueuePool's, untyped on Pool
        self.read_pool = ReadPool(conninfo, size=size, deadline=read_deadline_seconds)
        # The readiness probe's one connection, outside the requests' pool: a pool busy
        # serving requests is not a database that is down.
        self._probes: AsyncEngine | None = None
        if pinned is None:
            self._probes = create_async_engine(
                engine.url, pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT"
            )
            check_liveness_on_checkout(self._probes)
        # Connections and sessions out of the pool right now; dispose() waits for them.
        self._in_use = 0
        self._all_returned = asyncio.Event()
        self._all_returned.set()
        # Around each read on the read pool, when metrics or tracing are on.
        self.read_observer: Callable[[], AbstractContextManager[None]] | None = None
        self._sessions = async_sessionmaker(
            bind=pinned or engine,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )

    @classmethod
    def pinned_to(cls, connection: AsyncConnection) -> Database:
        """A database whose every unit of work runs on `connection` (test isolation)."""
        return cls(connection.engine, pinned=connection)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for read-only work, returned to the pool afterwards."""
        with typed_database_faults():
            if self._pinned is not None:
                async with self._pinned_lock:
                    yield self._pinned
                return
            async with self._tracked(), self._reads.connect() as connection:
                yield connection

    @asynccontextmanager
    async def probe_connection(self) -> AsyncIterator[AsyncConnection]:
        """The readiness probe's own connection, in autocommit: never queued behind the
        requests. Kept between probes (replaced when the server closed it), so a probe
        costs no new backend; concurrent probes take turns on it."""
        with typed_database_faults():
            if self._probes is None:
                async with self._pinned_lock:
                    yield self._pinned  # type: ignore[misc]
                return
            async with self._probes.connect() as connection:
                yield connection

    @asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[DriverConnection]:
        """The driver's own connection from the read pool, in autocommit, for a statement
        whose SQL and parameters are final (the loaders' batches, the compiled reads)."""
        if self._snapshot is not None:
            async with self._pinned_lock:
                yield self._snapshot
            return
        with typed_database_faults():
            if self._pinned is not None:
                async with self._pinned_lock:
                    raw = await self._pinned.get_raw_connection()
                    driver = raw.driver_connection
                    if driver is None:
                        raise RuntimeError("the pinned connection has no driver connection")
                    yield DriverConnection(
                        driver, self.engine.dialect, self._pinned.sync_connection
                    )
                return
            async with self._tracked(), self.read_pool.connection() as driver:
                if self.read_observer is None:
                    yield DriverConnection(driver, self.engine.dialect, None)
                    return
                with self.read_observer():  # one read, one statement: metrics, tracing
                    yield DriverConnection(driver, self.engine.dialect, None)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Database]:
        """This database as of one moment, for reads through `driver_connection()`: the
        view it yields runs them all, one at a time, on one read pool connection inside a
        REPEATABLE READ, READ ONLY transaction, so a row's status and what is derived
        from it in another statement never disagree. (Pinned: itself, already one
        transaction.)"""
        if self._pinned is not None:
            yield self
            return
        async with self.driver_connection() as connection:
            driver = connection.driver
            await driver.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                view = copy.copy(self)
                view._snapshot = connection
                view._pinned_lock = asyncio.Lock()
                yield view
            finally:
                if not driver.closed:
                    with typed_database_faults():
                        await driver.execute("ROLLBACK")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session in one transaction: commit on success, roll back on any error."""
        with typed_database_faults():
            if self._pinned is not None:
                async with self._pinned_lock, self._sessions() as session, session.begin():
                    yield session
                return
            async with self._tracked(), self._sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        self._in_use += 1
        self._all_returned.clear()
        try:
            yield
        finally:
            self._in_use -= 1
            if not self._in_use:
                self._all_returned.set()

    async def dispose(self, *, grace_seconds: float = 5.0) -> None:
        """Close the pool, first letting connections still in use come back (at most
        `grace_seconds`): a loader batch whose request was cancelled finishes on its own,
        and a connection returned to a disposed pool would be dropped without a close."""
        if self._pinned is not None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                await self._all_returned.wait()
        await self.read_pool.close()
        if self._probes is not None:
            await self._probes.dispose()
        await self.engine.dispose()
