"""Pooled connections the server closed are replaced at checkout, with no ping statement:
reads run in autocommit, one statement each."""

from __future__ import annotations

import psycopg
from sqlalchemy import event, text

from nexus.db.engine import Database, create_engine


async def _backend_pid(database: Database) -> int:
    async with database.connection() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_the_server_closed_is_replaced_at_checkout(database_url: str) -> None:
    database = Database(create_engine(database_url, pool_size=1))
    try:
        pid = await _backend_pid(database)
        libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        async with await psycopg.AsyncConnection.connect(libpq_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        assert await _backend_pid(database) != pid
    finally:
        await database.dispose()


async def test_a_read_sends_its_statement_and_nothing_else(database_url: str) -> None:
    database = Database(create_engine(database_url, pool_size=1))
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        await _backend_pid(database)  # the first connect's dialect setup is not counted
        sent.clear()
        async with database.connection() as connection:
            await connection.execute(text("SELECT 1"))
            status = connection.sync_connection.connection.dbapi_connection.info.transaction_status
        assert sent == ["SELECT 1"]
        # Autocommit: no BEGIN was sent, so no ROLLBACK follows when the connection returns.
        assert status.name == "IDLE"
    finally:
        await database.dispose()


async def _read_backend_pid(database: Database) -> int:
    async with database.driver_connection() as connection:
        [row] = await connection.fetch("SELECT pg_backend_pid() AS pid", {})
        return int(row.pid)


async def test_a_read_connection_the_server_closed_is_replaced_at_checkout(
    database_url: str,
) -> None:
    database = Database(create_engine(database_url, pool_size=1))
    try:
        pid = await _read_backend_pid(database)
        assert await _read_backend_pid(database) == pid  # kept and reused
        libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        async with await psycopg.AsyncConnection.connect(libpq_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        assert await _read_backend_pid(database) != pid
        assert database.read_pool.opened == 2
        assert database.read_pool.in_use == 0
    finally:
        await database.dispose()
