"""/health never touches the database; /ready says whether the database is usable."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from tests.graphql.operations import CREATE_LIBRARY
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider

POOL_SIZE = 2


async def test_ready_when_the_database_answers_and_is_at_head(api: Api) -> None:
    response = await api.http.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "ready"}}


async def test_ready_promptly_while_requests_hold_every_pooled_connection(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    # The probe used to queue behind the requests for a pooled connection and give up
    # after 3 s: a busy pool reported as a database that is down.
    assert settings.database_url is not None
    database = Database(create_engine(settings.database_url, pool_size=POOL_SIZE))
    app = create_app(settings, database=database)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            user = await api.new_user()
            async with engine.connect() as locker:
                await locker.execute(text("LOCK TABLE libraries IN ACCESS EXCLUSIVE MODE"))
                creations = [
                    asyncio.create_task(
                        api.post(CREATE_LIBRARY, {"input": {"name": f"L{n}"}}, user=user)
                    )
                    for n in range(2 * POOL_SIZE)
                ]
                async with asyncio.timeout(5):
                    # The pool has no event to wait on: poll its counter.
                    while database.engine.pool.checkedout() < POOL_SIZE:  # type: ignore[attr-defined]  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                started = time.monotonic()
                response = await api.http.get("/ready")
                elapsed = time.monotonic() - started
                assert not any(creation.done() for creation in creations)  # still waiting
                await locker.rollback()
            assert response.status_code == 200, response.text
            assert elapsed < 1.0
            for creation in creations:
                assert "errors" not in (await creation).json()
    finally:
        await truncate_everything(engine)


async def test_the_probe_replaces_its_connection_when_the_server_closed_it(
    settings: Settings, identity: IdentityProvider, database_url: str
) -> None:
    app = create_app(settings)
    async with lifespan(app), Api.over(app, identity) as client:
        assert (await client.http.get("/ready")).status_code == 200
        libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        async with await psycopg.AsyncConnection.connect(libpq_url, autocommit=True) as admin:
            # Every other backend of this database: the probe's among them.
            await admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        assert (await client.http.get("/ready")).status_code == 200


async def test_not_ready_when_migrations_are_not_at_head(
    settings: Settings, identity: IdentityProvider, create_database: Callable[[str], str]
) -> None:
    app = create_app(settings.model_copy(update={"database_url": create_database("nexus_empty")}))
    async with lifespan(app), Api.over(app, identity) as client:
        response = await client.http.get("/ready")
    assert response.status_code == 503
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "E_UNAVAILABLE", "status": 503}
    assert "migrated" in error["message"]


async def test_not_ready_while_the_database_is_stopped_and_ready_again_after(
    settings: Settings, identity: IdentityProvider, outside_tmp: Path
) -> None:
    server = EmbeddedPostgres(outside_tmp / "pg", durable=False).start()
    try:
        upgrade(server.url())
        app = create_app(settings.model_copy(update={"database_url": server.url()}))
        async with lifespan(app), Api.over(app, identity) as client:
            assert (await client.http.get("/ready")).status_code == 200
            server.stop()
            stopped = await client.http.get("/ready")
            assert stopped.status_code == 503
            assert stopped.json()["errors"][0]["extensions"]["code"] == "E_UNAVAILABLE"
            assert (await client.http.get("/health")).status_code == 200
            server.start()
            assert (await client.http.get("/ready")).status_code == 200
    finally:
        server.stop()


def test_a_served_app_loads_alembic_only_when_readiness_is_asked(settings: Settings) -> None:
    # A worker's memory: the app, built, without the migration tooling (about 13 MB) nor,
    # with no NEXUS_REDIS_URL, the Redis client (about 23 MB).
    assert settings.nexus_redis_url is None
    probe = (
        "import sys; from nexus.app import create_app; from nexus.config import Settings; "
        f"create_app(Settings.model_validate_json({settings.model_dump_json()!r})); "
        "print('alembic' in sys.modules, 'redis' in sys.modules)"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", probe], capture_output=True, timeout=60, check=True
    )
    assert result.stdout.decode().split() == ["False", "False"], result.stderr.decode()
