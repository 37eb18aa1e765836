"""The reads' connections: a fixed number of psycopg connections, always in autocommit.

Every read (each loader batch, each compiled read) is one statement on a connection of its
own. Taking one from SQLAlchemy's pool and giving it back cost about 45 us of CPU (its
greenlet bridge, checkout events, reset on return, switching autocommit on and off);
here it is a deque and a semaphore. One worker serving the reader: 0.42 -> 0.35 ms of CPU
per request, 2,150-2,250 -> 2,430-2,450 req/s (wrk, 16 connections, alternated twice).

psycopg_pool was measured too (8 us) and not taken for what it does when the server is
down: a request then waits the whole pool timeout while connections are retried in the
background with a growing backoff, so requests no longer fail at once on a refused
connection, and service resumes only at the next retry after the server is back. Here a
request that finds no idle connection opens one itself: a refusal is its own error at
once, and the first request after a restart succeeds.

A connection the server closed is found at checkout without a round trip
(`is_closed_by_server`) and replaced; one that broke, comes back inside a transaction, or
has lived past its lifetime is closed instead of kept. A checkout has a deadline: past it
the server is asked to cancel the statement and the connection's socket is shut down, so a
statement still waiting fails at once even when no answer will ever come (a half-open TCP
connection would otherwise hold the connection until the kernel gives up, hours later).
One watchdog task looks at the checkouts a few times per deadline: a timer per checkout
(armed, then cancelled on return) cost about 3 us of a checkout's 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from nexus.db.liveness import is_closed_by_server

__all__ = ["ReadDeadlineError", "ReadPool", "ReadPoolClosedError", "ReadPoolTimeoutError"]

# How long an overdue statement's cancel request may take before the socket is cut anyway.
CANCEL_SECONDS = 1.0


class ReadPoolTimeoutError(Exception):
    """Every connection stayed busy for the whole checkout timeout."""


class ReadPoolClosedError(Exception):
    """The pool is closed: the process is shutting down."""


class ReadDeadlineError(Exception):
    """A read got no answer within the checkout's deadline; its connection was discarded."""


Idle = tuple[psycopg.AsyncConnection[Any], float]  # a connection and when it expires


class ReadPool:
    """At most `size` autocommit connections to `conninfo`, opened when first needed.

    A checkout waits at most `timeout` seconds for a free connection and may keep it
    `deadline` seconds (cut off at most a quarter of that, or a second, later); a
    connection is replaced after `max_lifetime` seconds (less up to a tenth, so the
    connections opened together at start are not all replaced at once), which bounds
    what a backend accumulates (caches, the buffers of the largest result it sent) and
    moves reads to a replaced server behind a proxy."""

    def __init__(
        self,
        conninfo: str,
        *,
        size: int,
        timeout: float = 5.0,
        deadline: float = 10.0,
        max_lifetime: float = 1800.0,
    ) -> None:
        self.conninfo = conninfo
        self.size = size
        self.timeout = timeout
        self.deadline = deadline
        self.max_lifetime = max_lifetime
        self._idle: deque[Idle] = deque()
        self._slots = asyncio.Semaphore(size)
        self._closed = False
        self._overdue: set[psycopg.AsyncConnection[Any]] = set()
        # Each connection in use, and when its checkout's deadline passes.
        self._deadlines: dict[psycopg.AsyncConnection[Any], float] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._cutting_off: set[asyncio.Task[None]] = set()
        self.in_use = 0
        self.waiting = 0  # checkouts waiting for a free slot (the metrics read both)
        self.opened = 0  # connections ever opened: tests see the pool reuse them
        # Called with each new connection (tests trace what goes over the wire).
        self.on_connect: list[Callable[[psycopg.AsyncConnection[Any]], None]] = []

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def idle(self) -> int:
        return len(self._idle)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A connection for one read; ReadPoolClosedError once the pool is closed,
        ReadPoolTimeoutError when none frees up in time, ReadDeadlineError when the read
        outlives the deadline."""
        if self._closed:
            raise ReadPoolClosedError
        if self._slots.locked():
            self.waiting += 1
            try:
                async with asyncio.timeout(self.timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise ReadPoolTimeoutError from None
            finally:
                self.waiting -= 1
        else:  # a free slot: no timer to arm
            await self._slots.acquire()
        self.in_use += 1
        try:
            if self._closed:  # closed while this checkout waited for a slot
                raise ReadPoolClosedError
            connection, expires = await self._take_idle() or await self._open()
            self._deadlines[connection] = time.monotonic() + self.deadline
            if self._watchdog is None:
                self._watchdog = asyncio.get_running_loop().create_task(self._watch())
            try:
                yield connection
            except psycopg.Error as error:
                if connection in self._overdue:
                    raise ReadDeadlineError from error
                raise
            finally:
                del self._deadlines[connection]
                await self._give_back(connection, expires)
        finally:
            self.in_use -= 1
            self._slots.release()

    async def _take_idle(self) -> Idle | None:
        now = time.monotonic()
        while self._idle:
            connection, expires = self._idle.pop()  # the most recent: its backend is warm
            if now < expires and not is_closed_by_server(connection):
                return connection, expires
            await connection.close()
        return None

    async def _open(self) -> Idle:
        connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        self.opened += 1
        for hook in self.on_connect:
            hook(connection)
        # Not for security: only spreads the replacements of connections opened together.
        lifetime = self.max_lifetime * random.uniform(0.9, 1.0)  # noqa: S311
        return connection, time.monotonic() + lifetime

    async def _give_back(self, connection: psycopg.AsyncConnection[Any], expires: float) -> None:
        status = connection.info.transaction_status
        if (
            self._closed
            or connection in self._overdue
            or connection.broken
            or connection.closed
            or status != TransactionStatus.IDLE
            or time.monotonic() >= expires
        ):
            self._overdue.discard(connection)
            await connection.close()
        else:
            self._idle.append((connection, expires))

    async def _watch(self) -> None:
        """Cut off the checkouts past their deadline, looking a few times per deadline
        (at most a second late); ends when no connection is in use, and the next checkout
        starts another (no task outlives the pool's use)."""
        while self._deadlines:
            await asyncio.sleep(min(1.0, self.deadline / 4))
            now = time.monotonic()
            for connection, deadline in list(self._deadlines.items()):
                if deadline <= now and connection not in self._overdue:
                    self._cut_off(connection)
        self._watchdog = None

    def _cut_off(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self._overdue.add(connection)
        task = asyncio.get_running_loop().create_task(_cancel_and_shut(connection))
        self._cutting_off.add(task)
        task.add_done_callback(self._cutting_off.discard)

    async def close(self) -> None:
        """Refuse checkouts from now on and close the idle connections; a connection in
        use is closed when it comes back (the caller waits for those first)."""
        self._closed = True
        while self._idle:
            await self._idle.pop()[0].close()
        await asyncio.gather(*self._cutting_off)
        if self._watchdog is not None:
            self._watchdog.cancel()


async def _cancel_and_shut(connection: psycopg.AsyncConnection[Any]) -> None:
    """Ask the server to cancel the statement (it may only be slow: its backend then stops
    working for nobody), then shut the socket down, so a statement still waiting for an
    answer that will never come fails at once."""
    with contextlib.suppress(psycopg.Error):
        await connection.cancel_safe(timeout=CANCEL_SECONDS)
    if connection.closed:
        return
    # Shutting down a duplicate of the descriptor cuts the connection for libpq too, which
    # keeps its own descriptor (closing that one under it would confuse the event loop).
    with (
        contextlib.suppress(psycopg.Error, OSError),
        socket.socket(fileno=os.dup(connection.pgconn.socket)) as sock,
    ):
        sock.shutdown(socket.SHUT_RDWR)
