"""The compiled path's one statement under faults: held up past `statement_timeout` or the
operation time limit, or its backend killed while it runs. Typed errors, nothing left
running in PostgreSQL, and the pool stays usable (one connection, so a broken one left in
it would fail the next request)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database, create_engine
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider

QUERY = "{ viewer { libraries(first: 5) { totalCount edges { node { name } } } } }"


@asynccontextmanager
async def one_connection_app(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine, **overrides: Any
) -> AsyncIterator[tuple[Api, Database]]:
    settings = settings.model_copy(update=overrides)
    assert settings.database_url is not None
    database = Database(
        create_engine(
            settings.database_url,
            pool_size=1,
            statement_timeout_ms=settings.nexus_statement_timeout_ms,
        )
    )
    app = create_app(settings, database=database)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            yield api, database
    finally:
        await truncate_everything(engine)


@asynccontextmanager
async def libraries_locked(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`libraries` locked by another transaction: a read of it waits inside PostgreSQL."""
    async with engine.connect() as connection, connection.begin():
        await connection.execute(text("LOCK TABLE libraries IN ACCESS EXCLUSIVE MODE"))
        yield connection


def codes(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    return [error["extensions"]["code"] for error in body["errors"]]


async def test_a_statement_past_statement_timeout_is_e_timeout(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    async with one_connection_app(settings, identity, engine, nexus_statement_timeout_ms=300) as (
        api,
        database,
    ):
        user = await api.new_user()
        async with libraries_locked(engine):
            assert codes(await api.post(QUERY, user=user)) == ["E_TIMEOUT"]
        data = await api.data(QUERY, user=user)
        assert data["viewer"]["libraries"]["totalCount"] == 1
        assert database.engine.pool.checkedout() == 0
        assert database.read_pool.in_use == 0


async def test_a_backend_killed_mid_statement_is_e_unavailable_and_replaced(
    settings: Settings,
    identity: IdentityProvider,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with one_connection_app(settings, identity, engine) as (api, database):
        user = await api.new_user()
        async with libraries_locked(engine) as holder:
            request = asyncio.create_task(api.post(QUERY, user=user))
            waiting = text(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database() AND query LIKE '%libraries%'"
            )
            for _ in range(200):
                # Asked on a connection of its own: inside the holder's transaction
                # pg_stat_activity is a snapshot.
                async with engine.connect() as observer:
                    pids = list((await observer.execute(waiting)).scalars())
                if pids:
                    break
                await asyncio.sleep(0.02)
            [pid] = pids
            await holder.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            assert codes(await request) == ["E_UNAVAILABLE"]
        data = await api.data(QUERY, user=user)
        assert data["viewer"]["libraries"]["totalCount"] == 1
        assert database.engine.pool.checkedout() == 0
        assert database.read_pool.in_use == 0
    # The broken connection was discarded, not handed back to the pool to fail its reset.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_operation_time_limit_cancels_the_statement_in_postgresql(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    async with one_connection_app(
        settings, identity, engine, nexus_operation_timeout_seconds=0.3
    ) as (api, database):
        user = await api.new_user()
        async with libraries_locked(engine):
            assert codes(await api.post(QUERY, user=user)) == ["E_TIMEOUT"]
            async with engine.connect() as observer:
                waiting = await observer.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                )
            assert waiting == 0
        data = await api.data(QUERY, user=user)
        assert data["viewer"]["libraries"]["totalCount"] == 1
        assert database.engine.pool.checkedout() == 0
        assert database.read_pool.in_use == 0
