"""/health never touches the database; /ready says whether the database is usable."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.migrations import upgrade
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider


async def test_ready_when_the_database_answers_and_is_at_head(api: Api) -> None:
    response = await api.http.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "ready"}}


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
