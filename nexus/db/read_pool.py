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
(`is_closed_by_server`) and replaced; one that broke, or comes back inside a
transaction, is closed instead of kept.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from nexus.db.liveness import is_closed_by_server

__all__ = ["ReadPool", "ReadPoolTimeoutError"]


class ReadPoolTimeoutError(Exception):
    """Every connection stayed busy for the whole checkout timeout."""


class ReadPool:
    """At most `size` autocommit connections to `conninfo`, opened when first needed."""

    def __init__(self, conninfo: str, *, size: int, timeout: float = 5.0) -> None:
        self.conninfo = conninfo
        self.size = size
        self.timeout = timeout
        self._idle: deque[psycopg.AsyncConnection[Any]] = deque()
        self._slots = asyncio.Semaphore(size)
        self.in_use = 0
        self.opened = 0  # connections ever opened: tests see the pool reuse them
        # Called with each new connection (tests trace what goes over the wire).
        self.on_connect: list[Callable[[psycopg.AsyncConnection[Any]], None]] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._slots.locked():
            try:
                async with asyncio.timeout(self.timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise ReadPoolTimeoutError from None
        else:  # a free slot: no timer to arm
            await self._slots.acquire()
        self.in_use += 1
        try:
            connection = await self._take_idle() or await self._open()
            try:
                yield connection
            finally:
                await self._give_back(connection)
        finally:
            self.in_use -= 1
            self._slots.release()

    async def _take_idle(self) -> psycopg.AsyncConnection[Any] | None:
        while self._idle:
            connection = self._idle.pop()  # the most recent: its backend is warm
            if not is_closed_by_server(connection):
                return connection
            await connection.close()
        return None

    async def _open(self) -> psycopg.AsyncConnection[Any]:
        connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        self.opened += 1
        for hook in self.on_connect:
            hook(connection)
        return connection

    async def _give_back(self, connection: psycopg.AsyncConnection[Any]) -> None:
        status = connection.info.transaction_status
        if connection.broken or connection.closed or status != TransactionStatus.IDLE:
            await connection.close()
        else:
            self._idle.append(connection)

    async def close(self) -> None:
        """Close the idle connections (the caller waits for the busy ones first)."""
        while self._idle:
            await self._idle.pop().close()
