"""Test session: one PostgreSQL (embedded, or DATABASE_URL), migrated once; each test in
an outer transaction rolled back at the end; a real JWKS served on loopback."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nexus.app import create_app
from nexus.config import Environment, Settings, normalize_database_url
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from tests.helpers import Api, StatementCounter, committed_app, lifespan
from tests.identity import AUDIENCE, ISSUER, IdentityProvider


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server: DATABASE_URL's when set, else an embedded one in a temp dir."""
    if os.environ.get("DATABASE_URL"):
        yield normalize_database_url(os.environ["DATABASE_URL"])
        return
    with tempfile.TemporaryDirectory(prefix="nexus-test-pg-") as data_dir:
        server = EmbeddedPostgres(Path(data_dir), durable=False).start()
        try:
            yield server.url()
        finally:
            server.stop()


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A fresh directory an embedded PostgreSQL (run as another user when we are root) can
    reach: pytest's own tmp_path sits under a 0700 folder that pytest re-locks on start."""
    with tempfile.TemporaryDirectory(prefix="nexus-test-") as directory:
        yield Path(directory)


@pytest.fixture(scope="session")
def create_database(server_url: str) -> Iterator[object]:
    """A factory of throwaway databases on the test server, dropped at the end."""
    created: list[str] = []

    def create(prefix: str = "nexus_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    yield create
    with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(create_database) -> str:
    url = create_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def identity() -> Iterator[IdentityProvider]:
    with IdentityProvider().running() as provider:
        yield provider


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's outer transaction: everything the test did is rolled back."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def settings(database_url: str, identity: IdentityProvider, tmp_path: Path) -> Settings:
    return Settings(
        nexus_env=Environment.TEST,
        database_url=database_url,
        nexus_jwks_url=identity.url,
        nexus_jwt_issuer=ISSUER,
        nexus_jwt_audience=AUDIENCE,
        nexus_state_dir=tmp_path / "state",
    )


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    with StatementCounter(engine) as counter:
        yield counter


@pytest.fixture
async def api(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> AsyncIterator[Api]:
    """The app over HTTP, every request pinned to the test's rolled-back transaction."""
    app = create_app(settings, database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


@pytest.fixture
async def committed_api(
    settings: Settings, engine: AsyncEngine, identity: IdentityProvider
) -> AsyncIterator[Api]:
    """The app over its own connection pool, committing for real: for tests that race
    many concurrent requests. Everything is truncated afterwards."""
    async with committed_app(settings, identity, engine) as client:
        yield client
