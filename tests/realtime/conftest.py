"""Subscriptions through the real thing: the app served by uvicorn on loopback (in this
process, so a test can reach its listener), a real WebSocket client (`websockets`), a
committed database of the test server, and real tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.config import Environment, Settings
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from tests.identity import AUDIENCE, ISSUER, IdentityProvider
from tests.realtime.client import GraphQLSocket


@dataclass
class Served:
    url: str  # ws://127.0.0.1:PORT/graphql
    app: Any
    server: uvicorn.Server
    settings: Settings


@pytest.fixture(scope="module")
def realtime_database_url(create_database: Callable[[str], str]) -> str:
    url = create_database("nexus_rt")
    upgrade(url)
    return url


@pytest.fixture(scope="module")
async def realtime_engine(realtime_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(realtime_database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def worker_database(realtime_engine: AsyncEngine) -> AsyncIterator[Database]:
    """Commits transitions as the worker does (nexus.services.processing)."""
    database = Database(realtime_engine)
    yield database
    await database.dispose()


def realtime_settings(
    url: str, identity: IdentityProvider, tmp_path: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "nexus_env": Environment.TEST,
        "database_url": url,
        "nexus_jwks_url": identity.url,
        "nexus_jwt_issuer": ISSUER,
        "nexus_jwt_audience": AUDIENCE,
        "nexus_state_dir": tmp_path / "state",
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def running(
    settings: Settings, before: Callable[[Any], None] | None = None
) -> AsyncIterator[Served]:
    """The app under uvicorn on a free loopback port until the block ends; `before` sees
    the app before it starts."""
    app = create_app(settings)
    if before is not None:
        before(app)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, lifespan="on", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server stopped while starting"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"ws://127.0.0.1:{port}/graphql", app, server, settings)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def serve(
    realtime_database_url: str, identity: IdentityProvider, tmp_path: Path
) -> Callable[..., Any]:
    """`async with serve(**settings) as served:` one more server on the module's database."""

    def start(before: Callable[[Any], None] | None = None, **overrides: Any) -> Any:
        settings = realtime_settings(realtime_database_url, identity, tmp_path, **overrides)
        return running(settings, before)

    return start


@pytest.fixture
async def served(serve: Callable[..., Any]) -> AsyncIterator[Served]:
    async with serve() as server:
        await server.app.app.state.media_events.connected.wait()
        yield server


@pytest.fixture
def connect(served: Served, identity: IdentityProvider) -> Callable[..., Any]:
    """`async with connect(user) as socket:` a socket past connection_ack as `user`."""

    @asynccontextmanager
    async def open_socket(user: UUID, url: str | None = None) -> AsyncIterator[GraphQLSocket]:
        async with GraphQLSocket.open(url or served.url) as socket:
            await socket.init(identity.token(user))
            yield socket

    return open_socket
