"""SQL statements per request of the benchmark's four reads on the resolver path, counted
as PostgreSQL receives them: libpq's own trace of every pooled connection of a real pool
(no pinned test transaction), so BEGIN, ROLLBACK and pool pings count too, as they do in
the benchmark's count from PostgreSQL's log. A statement is a simple `Query` or an
extended-protocol `Execute` message from the client.

Budgets: the library list 1, a library page 2 (the library, its media page), the reader 2
(the media, its fragments), the nested query 3 (libraries, media pages with their counts,
fragment pages); a user this process has not met yet costs one more (the identity lookup).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import pytest
from psycopg import pq
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.bench.operations import DEEP, LIBRARY_LIST, LIBRARY_PAGE, READER
from nexus.config import Settings
from nexus.db.engine import Database
from tests.factories import create_media, default_library_id, put_media
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider


class WireTrace:
    """libpq's trace of every connection the engine opens, one file each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: list[IO[str]] = []

    def attach(self, dbapi_connection: Any, _record: object) -> None:
        self.attach_driver(dbapi_connection.driver_connection)

    def attach_driver(self, driver: Any) -> None:
        sink = (self.directory / f"conn-{len(self.files)}.trace").open("w")
        self.files.append(sink)
        pgconn = driver.pgconn
        pgconn.trace(sink.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def lines(self) -> list[str]:
        return [
            line
            for path in sorted(self.directory.glob("*.trace"))
            for line in path.read_text().splitlines()
        ]

    def statements(self) -> list[str]:
        """The client's Query and Execute messages so far."""
        return [
            line
            for line in self.lines()
            if line.startswith("F\t") and line.split("\t")[2] in ("Query", "Execute")
        ]


@contextmanager
def traced(database: Database, directory: Path) -> Iterator[WireTrace]:
    """Every connection of the engine's pool and of the read pool, traced."""
    trace = WireTrace(directory)
    engine = database.engine
    event.listen(engine.sync_engine, "connect", trace.attach)
    database.read_pool.on_connect.append(trace.attach_driver)
    try:
        yield trace
    finally:
        database.read_pool.on_connect.remove(trace.attach_driver)
        event.remove(engine.sync_engine, "connect", trace.attach)
        for sink in trace.files:
            sink.close()


@asynccontextmanager
async def resolver_path_api(
    settings: Settings, identity: IdentityProvider, tmp_path: Path
) -> AsyncIterator[tuple[Api, WireTrace]]:
    app = create_app(settings.model_copy(update={"nexus_compiled_reads": False}))
    database = app.app.state.database  # type: ignore[attr-defined]
    with traced(database, tmp_path) as trace:
        async with lifespan(app), Api.over(app, identity) as api:
            yield api, trace


def gid(type_name: str, value: UUID) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield engine
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE users, libraries, memberships, media, fragments, fragment_json,"
                " library_media, highlights"
            )
        )


async def test_the_benchmark_reads_cost_one_statement_per_level_on_the_wire(
    settings: Settings, identity: IdentityProvider, tmp_path: Path, committed: AsyncEngine
) -> None:
    async with resolver_path_api(settings, identity, tmp_path) as (api, trace):
        viewer = await api.new_user()
        async with committed.begin() as connection:
            library = await default_library_id(connection, viewer)
            media = [await create_media(connection, fragment_count=4) for _ in range(3)]
            for media_id in media:
                await put_media(connection, library, media_id)
        shapes = {
            "library_list": (LIBRARY_LIST, {}, 1),
            "library_page": (LIBRARY_PAGE, {"library": gid("Library", library)}, 2),
            "reader": (READER, {"media": gid("Media", media[0])}, 2),
            "deep": (DEEP, {}, 3),
        }
        reads: list[str] = []
        for name, (query, variables, budget) in shapes.items():
            for _ in range(7):  # past psycopg's prepare threshold: prepared statements too
                before = len(trace.statements())
                body = await api.gql(query, variables, user=viewer)
                assert "errors" not in body, body
                sent = trace.statements()[before:]
                assert len(sent) == budget, (name, sent)
                reads += sent
        # Reads run in autocommit: no transaction around them.
        assert not [line for line in reads if "BEGIN" in line or "ROLLBACK" in line]


async def test_a_user_new_to_the_process_costs_one_lookup_more(
    settings: Settings, identity: IdentityProvider, tmp_path: Path, committed: AsyncEngine
) -> None:
    (tmp_path / "first").mkdir()
    async with resolver_path_api(settings, identity, tmp_path / "first") as (api, _trace):
        viewer = await api.new_user()
    (tmp_path / "second").mkdir()
    async with resolver_path_api(settings, identity, tmp_path / "second") as (api, trace):
        body = await api.gql(LIBRARY_LIST, user=viewer)
        assert "errors" not in body, body
        assert len(trace.statements()) == 2, trace.statements()
