"""A read whose connection went half-open (the server's answers never arrive) fails with
E_TIMEOUT at the operation time limit and gives its connection back, on either read path:
the pool's one connection is not held for ever by a loader batch nobody waits for."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.config import Settings
from tests.db.stalling_proxy import StallingProxy
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider

LIBRARIES = "{ viewer { libraries(first: 5) { totalCount edges { node { name } } } } }"


@pytest.mark.parametrize("compiled", [False, True], ids=["resolver-path", "compiled"])
async def test_a_read_on_a_half_open_connection_times_out_and_frees_the_pool(
    settings: Settings,
    identity: IdentityProvider,
    engine: AsyncEngine,
    database_url: str,
    compiled: bool,
) -> None:
    async with StallingProxy.to(database_url) as proxy:
        app = create_app(
            settings.model_copy(
                update={
                    "database_url": proxy.url(database_url),
                    "nexus_db_pool_size": 1,
                    "nexus_operation_timeout_seconds": 1.0,
                    "nexus_compiled_reads": compiled,
                }
            )
        )
        database = app.app.state.database  # type: ignore[attr-defined]
        try:
            async with lifespan(app), Api.over(app, identity) as api:
                user = await api.new_user()
                assert (await api.data(LIBRARIES, user=user))["viewer"]["libraries"]
                proxy.stall()
                started = time.monotonic()
                body = (await api.post(LIBRARIES, user=user)).json()
                assert body["errors"][0]["extensions"]["code"] == "E_TIMEOUT", body
                # Before, on the compiled path: psycopg's own cancel and 5 s wait after it.
                assert time.monotonic() - started < 2.5
                # Before, on the resolver path: the loader batch (which nothing cancels)
                # kept the connection, and every later read was E_UNAVAILABLE (no
                # connection free) until the kernel gave up on the socket, hours later.
                async with asyncio.timeout(3):
                    while database.read_pool.in_use:  # noqa: ASYNC110 (a counter, no event)
                        await asyncio.sleep(0.05)
                data = await api.data(LIBRARIES, user=user)
                assert data["viewer"]["libraries"]["totalCount"] == 1
        finally:
            await truncate_everything(engine)
