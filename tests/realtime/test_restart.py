"""A real restart of PostgreSQL (`pg_ctl stop -m fast`, then a start on the same port and
data directory) under a mediaProcessing subscription: the listener reconnects and the
final state arrives, also when it was committed before the listener was back.

The cluster is the test's own (embedded, throwaway), never the suite's server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from nexus.db.embedded import EmbeddedPostgres
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from nexus.realtime.listener import APPLICATION_NAME, MediaEventListener
from tests.factories import global_id
from tests.identity import IdentityProvider
from tests.realtime.client import MEDIA_PROCESSING, GraphQLSocket
from tests.realtime.conftest import realtime_settings, running
from tests.realtime.data import complete, saved_media, start

# The worker's role: PostgreSQL can refuse the API's role (postgres) alone.
WORKER_ROLE = "nexus_restart_worker"
REFUSE_THE_API = "host all postgres 127.0.0.1/32 reject\n"


@pytest.fixture
def cluster(outside_tmp: Path) -> Iterator[EmbeddedPostgres]:
    """A migrated cluster of the test's own, stopped (its directory removed) at the end."""
    server = EmbeddedPostgres(outside_tmp, durable=False)
    try:
        server.start()
        upgrade(server.url())
        with psycopg.connect(_libpq(server.url()), autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {WORKER_ROLE} LOGIN SUPERUSER")
        yield server
    finally:
        server.stop()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _as_worker(cluster: EmbeddedPostgres) -> str:
    return make_url(cluster.url()).set(username=WORKER_ROLE).render_as_string()


async def _server_facts(cluster: EmbeddedPostgres) -> tuple[float, int]:
    """When the server (re)started, and how many LISTEN connections of an API it has."""
    async with await psycopg.AsyncConnection.connect(
        _libpq(_as_worker(cluster)), autocommit=True
    ) as connection:
        cursor = await connection.execute(
            "SELECT extract(epoch FROM pg_postmaster_start_time())::float8,"
            " (SELECT count(*) FROM pg_stat_activity WHERE application_name = %s)",
            (APPLICATION_NAME,),
        )
        row = await cursor.fetchone()
    assert row is not None
    return float(row[0]), int(row[1])


async def _until_lost(listener: MediaEventListener) -> None:
    """Until the listener has noticed its connection is gone."""
    while listener.connected.is_set():  # noqa: ASYNC110 (an Event marks connecting only)
        await asyncio.sleep(0.01)


def _status(message: dict[str, Any]) -> str:
    assert message["type"] == "next", message
    return str(message["payload"]["data"]["mediaProcessing"]["processingStatus"])


@pytest.mark.parametrize("committed", ["after the listener is back", "while the API is refused"])
async def test_the_final_state_arrives_across_a_real_restart_of_postgresql(
    committed: str, cluster: EmbeddedPostgres, identity: IdentityProvider, tmp_path: Path
) -> None:
    """'while the API is refused': the server comes back refusing the API's role (its
    pg_hba.conf) until the final state is committed, so the listener cannot be back in
    time for that NOTIFY: only its re-read after reconnecting can deliver the state."""
    user = uuid4()
    hba = cluster.pgdata / "pg_hba.conf"
    trusting = hba.read_text()
    worker_engine = create_engine(_as_worker(cluster), pool_size=1)
    worker = Database(worker_engine)
    settings = realtime_settings(cluster.url(), identity, tmp_path)
    try:
        async with asyncio.timeout(30), running(settings) as served:
            listener: MediaEventListener = served.app.app.state.media_events
            await listener.connected.wait()
            async with GraphQLSocket.open(served.url) as socket:
                await socket.init(identity.token(user))
                media_id = await saved_media(worker_engine, user)
                await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
                assert _status(await socket.receive()) == "PENDING"
                await start(worker, media_id)
                assert _status(await socket.receive()) == "EXTRACTING"

                stopped_at = time.time()
                await asyncio.to_thread(cluster.stop)
                await _until_lost(listener)
                if committed == "after the listener is back":
                    await asyncio.to_thread(cluster.start)
                    await listener.connected.wait()
                    await complete(worker, media_id, f"https://example.org/{uuid4().hex}")
                else:
                    hba.write_text(REFUSE_THE_API + trusting)
                    await asyncio.to_thread(cluster.start)
                    await complete(worker, media_id, f"https://example.org/{uuid4().hex}")
                    # Committed, and its NOTIFY gone, with no LISTEN connection back yet.
                    assert not listener.connected.is_set()
                    assert (await _server_facts(cluster))[1] == 0
                    hba.write_text(trusting)
                    async with worker.transaction() as session:
                        await session.execute(text("SELECT pg_reload_conf()"))

                assert _status(await socket.receive()) == "READY_FOR_READING"
                assert await socket.receive() == {"id": "1", "type": "complete"}
            started_at, listeners = await _server_facts(cluster)
            assert started_at > stopped_at, "the server really restarted"
            assert listeners == 1, "the listener is connected to the restarted server"
    finally:
        await worker.dispose()
