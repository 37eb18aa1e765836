"""The read pool under more concurrent requests than it holds connections."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database, create_engine
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider

POOL_SIZE = 3
LIBRARIES = "{ viewer { libraries(first: 5) { totalCount edges { node { name } } } } }"


async def test_requests_beyond_the_pool_wait_for_a_connection_instead_of_opening_more(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    # A connection opened beyond the pool used to be closed on return: under steady load
    # most requests paid a new PostgreSQL backend.
    assert settings.database_url is not None
    database = Database(create_engine(settings.database_url, pool_size=POOL_SIZE))
    app = create_app(settings, database=database)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            user = await api.new_user()
            for _wave in range(3):
                answers = await asyncio.gather(*(api.data(LIBRARIES, user=user) for _ in range(24)))
                assert {str(a) for a in answers} == {str(answers[0])}
                assert answers[0]["viewer"]["libraries"]["totalCount"] == 1
    finally:
        await truncate_everything(engine)
    assert 1 <= database.read_pool.opened <= POOL_SIZE


async def test_a_read_finding_every_connection_busy_past_the_timeout_is_e_unavailable(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    assert settings.database_url is not None
    database = Database(create_engine(settings.database_url, pool_size=1))
    database.read_pool.timeout = 0.2
    app = create_app(settings, database=database)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            user = await api.new_user()
            async with database.driver_connection():  # the only read connection, held
                body = (await api.post(LIBRARIES, user=user)).json()
            assert body["data"] is None
            assert body["errors"][0]["extensions"] == {"code": "E_UNAVAILABLE", "status": 503}
            assert body["errors"][0]["message"] == "The database has no connection free."
            # Given back, it serves the next request.
            assert (await api.data(LIBRARIES, user=user))["viewer"]["libraries"]["totalCount"] == 1
            assert database.read_pool.in_use == 0
    finally:
        await truncate_everything(engine)


async def test_a_read_after_the_database_is_disposed_is_e_unavailable(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    # Before, a closed read pool opened new connections for late requests, and nothing
    # closed them afterwards.
    assert settings.database_url is not None
    database = Database(create_engine(settings.database_url, pool_size=1))
    app = create_app(settings, database=database)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            user = await api.new_user()
            opened = database.read_pool.opened
            await database.dispose(grace_seconds=0)
            body = (await api.post(LIBRARIES, user=user)).json()
            assert body["data"] is None
            assert body["errors"][0]["extensions"] == {"code": "E_UNAVAILABLE", "status": 503}
            assert body["errors"][0]["message"] == "The server is shutting down."
            assert database.read_pool.opened == opened
    finally:
        await truncate_everything(engine)
