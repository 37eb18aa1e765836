"""The read pool's bounds: a connection's lifetime, a checkout's deadline (even when the
server never answers), and its closed state at shutdown."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from nexus.db.read_pool import ReadDeadlineError, ReadPool, ReadPoolClosedError
from tests.db.stalling_proxy import StallingProxy


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


async def backend_pid(connection: psycopg.AsyncConnection[Any]) -> int:
    row = await (await connection.execute("SELECT pg_backend_pid()")).fetchone()
    assert row is not None
    return int(row[0])


async def read(pool: ReadPool, sql: str) -> None:
    """One statement on a connection of `pool`."""
    async with pool.connection() as connection:
        await connection.execute(sql)


async def test_a_connection_past_its_lifetime_is_closed_not_reused(database_url: str) -> None:
    pool = ReadPool(libpq(database_url), size=1, max_lifetime=0.3)
    try:
        async with pool.connection() as first:
            pid = await backend_pid(first)
        async with pool.connection() as again:
            assert await backend_pid(again) == pid  # within its lifetime: reused
        await asyncio.sleep(0.4)
        async with pool.connection() as replaced:
            assert await backend_pid(replaced) != pid
        assert first.closed
        assert pool.opened == 2
    finally:
        await pool.close()


async def test_a_connection_outliving_its_lifetime_while_in_use_is_closed_on_return(
    database_url: str,
) -> None:
    pool = ReadPool(libpq(database_url), size=1, max_lifetime=0.2)
    try:
        async with pool.connection() as connection:
            await asyncio.sleep(0.3)
            await backend_pid(connection)  # a read begun within its lifetime finishes
        assert connection.closed
    finally:
        await pool.close()


async def test_a_read_the_server_never_answers_fails_at_the_deadline_and_is_discarded(
    database_url: str,
) -> None:
    async with StallingProxy.to(database_url) as proxy:
        pool = ReadPool(libpq(proxy.url(database_url)), size=1, deadline=0.5)
        try:
            async with pool.connection() as connection:
                pid = await backend_pid(connection)
            proxy.stall()  # the pooled connection is now half-open
            started = time.monotonic()
            async with asyncio.timeout(10):  # before the fix: waited for ever
                with pytest.raises(ReadDeadlineError):
                    await read(pool, "SELECT 1")
            # The deadline, then at most the cancel request's own second.
            assert 0.5 <= time.monotonic() - started < 2.5
            assert connection.closed  # the stalled one, discarded
            assert pool.in_use == 0
            async with pool.connection() as fresh:  # a new connection serves the next read
                assert await backend_pid(fresh) != pid
            assert pool.opened == 2
        finally:
            await pool.close()


async def test_a_statement_past_the_deadline_is_cancelled_in_the_server_too(
    database_url: str,
) -> None:
    # No statement_timeout: only the pool's deadline stops this statement.
    conninfo = make_conninfo(libpq(database_url), options="-c statement_timeout=0")
    pool = ReadPool(conninfo, size=1, deadline=0.3)
    try:
        async with pool.connection() as connection:
            pid = await backend_pid(connection)
        started = time.monotonic()
        with pytest.raises(ReadDeadlineError):
            await read(pool, "SELECT pg_sleep(60)")
        assert time.monotonic() - started < 2.0
        assert connection.closed
        async with await psycopg.AsyncConnection.connect(libpq(database_url)) as observer:
            cursor = await observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state = 'active'",
                (pid,),
            )
            assert await cursor.fetchone() == (0,)  # not left sleeping for nobody
    finally:
        await pool.close()


async def test_a_read_within_the_deadline_keeps_its_connection(database_url: str) -> None:
    pool = ReadPool(libpq(database_url), size=1, deadline=0.3)
    try:
        async with pool.connection() as connection:
            pid = await backend_pid(connection)
        await asyncio.sleep(0.4)  # an idle connection has no deadline
        async with pool.connection() as again:
            assert again is connection
            assert await backend_pid(again) == pid
    finally:
        await pool.close()


async def test_a_closed_pool_refuses_checkouts_and_closes_what_comes_back(
    database_url: str,
) -> None:
    pool = ReadPool(libpq(database_url), size=2)
    async with pool.connection() as busy:
        async with pool.connection() as idle:
            await backend_pid(idle)
        await pool.close()
        assert pool.closed
        assert idle.closed  # the idle connection at once
        await backend_pid(busy)  # a read under way finishes
    assert busy.closed  # given back to a closed pool: closed, not kept
    with pytest.raises(ReadPoolClosedError):
        async with pool.connection():
            pass
    assert pool.in_use == 0


async def test_a_checkout_waiting_when_the_pool_closes_is_refused(database_url: str) -> None:
    pool = ReadPool(libpq(database_url), size=1)

    async def checkout() -> None:
        async with pool.connection():
            pass

    async with pool.connection():
        waiting = asyncio.create_task(checkout())
        await asyncio.sleep(0.05)
        await pool.close()
    with pytest.raises(ReadPoolClosedError):
        await waiting
    assert pool.in_use == 0


def watchdogs() -> list[asyncio.Task[Any]]:
    return [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == "ReadPool._watch"
    ]


async def test_no_watchdog_is_left_running_once_no_connection_is_in_use(
    database_url: str,
) -> None:
    pool = ReadPool(libpq(database_url), size=1, deadline=0.2)
    try:
        async with pool.connection() as connection:
            await backend_pid(connection)
            assert len(watchdogs()) == 1
        await asyncio.sleep(0.2)  # its next look finds nothing in use
        assert watchdogs() == []
        async with pool.connection() as connection:
            assert len(watchdogs()) == 1  # the next checkout has one again
    finally:
        await pool.close()
