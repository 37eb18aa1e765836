"""Events cross processes and survive a lost LISTEN connection; viewerMediaUpdates sees
only what the viewer can read; subscribing and leaving leaks nothing."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx
import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.db.engine import Database
from nexus.realtime.listener import APPLICATION_NAME
from nexus.services.processing import release_for_retry
from tests.cli_process import cli_env, free_port, wait_for
from tests.factories import global_id
from tests.identity import AUDIENCE, ISSUER, IdentityProvider
from tests.observability.scrape import samples, value
from tests.realtime.client import MEDIA_PROCESSING, VIEWER_MEDIA_UPDATES
from tests.realtime.data import complete, saved_media, start


def _statuses(payloads: list[dict]) -> list[str]:
    return [p["data"]["mediaProcessing"]["processingStatus"] for p in payloads]


@contextmanager
def api_process(database_url: str, identity: IdentityProvider, log: Path) -> Iterator[str]:
    """`nexus serve` in its own process on the same database; yields its WebSocket URL."""
    port = free_port()
    env = cli_env(
        DATABASE_URL=database_url,
        NEXUS_ENV="test",
        NEXUS_JWKS_URL=identity.url,
        NEXUS_JWT_ISSUER=ISSUER,
        NEXUS_JWT_AUDIENCE=AUDIENCE,
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "nexus", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_a_second_api_process_receives_the_workers_events(
    *,
    connect,
    realtime_database_url: str,
    identity: IdentityProvider,
    realtime_engine: AsyncEngine,
    worker_database: Database,
    tmp_path: Path,
) -> None:
    user = uuid4()
    with api_process(realtime_database_url, identity, tmp_path / "serve.log") as other_url:
        async with connect(user) as here, connect(user, url=other_url) as there:
            media_id = await saved_media(realtime_engine, user)
            variables = {"id": global_id("Media", media_id)}
            for socket in (here, there):
                await socket.subscribe("1", MEDIA_PROCESSING, variables)
                assert _statuses([(await socket.receive())["payload"]]) == ["PENDING"]
            await start(worker_database, media_id)
            await complete(worker_database, media_id, f"https://example.org/{uuid4().hex}")
            for socket in (here, there):
                statuses = _statuses(await socket.until_complete("1"))
                assert statuses == ["EXTRACTING", "READY_FOR_READING"]


async def test_the_final_state_arrives_after_the_listener_lost_its_connection(
    connect,
    served,
    realtime_database_url: str,
    realtime_engine: AsyncEngine,
    worker_database: Database,
) -> None:
    """PostgreSQL restarting is simulated by terminating the listener's backend
    (pg_terminate_backend): the same connection loss, for this process alone."""
    listener = served.app.app.state.media_events
    user = uuid4()
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
        assert _statuses([(await socket.receive())["payload"]]) == ["PENDING"]
        await _terminate_listener(realtime_database_url)
        # Committed while the listener is away: these notifications reach no one.
        await start(worker_database, media_id)
        await complete(worker_database, media_id, f"https://example.org/{uuid4().hex}")
        payloads = await socket.until_complete("1")
    assert listener.reconnects >= 1
    assert _statuses(payloads)[-1] == "READY_FOR_READING"


async def _terminate_listener(database_url: str) -> None:
    libpq = database_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(libpq, autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (APPLICATION_NAME,),
        )


async def test_viewer_media_updates_hears_of_changes_missed_while_the_listener_was_away(
    connect,
    served,
    realtime_database_url: str,
    realtime_engine: AsyncEngine,
    worker_database: Database,
) -> None:
    """The same simulated restart (pg_terminate_backend of the listener's backend)."""
    user = uuid4()
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        await socket.subscribe("all", VIEWER_MEDIA_UPDATES)
        await asyncio.sleep(0.1)
        await _terminate_listener(realtime_database_url)
        await start(worker_database, media_id)
        await complete(worker_database, media_id, f"https://example.org/{uuid4().hex}")
        seen = []
        while not seen or seen[-1] != "READY_FOR_READING":
            message = await socket.receive()
            assert message["id"] == "all", message
            media = message["payload"]["data"]["viewerMediaUpdates"]
            assert media["uuid"] == str(media_id)
            seen.append(media["processingStatus"])
    assert served.app.app.state.media_events.reconnects >= 1


async def test_viewer_media_updates_streams_only_what_the_viewer_can_read(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    user, other = uuid4(), uuid4()
    async with connect(user) as socket, connect(other):
        await socket.subscribe("all", VIEWER_MEDIA_UPDATES)
        await asyncio.sleep(0.1)
        theirs = await saved_media(realtime_engine, other)
        mine = await saved_media(realtime_engine, user)
        await start(worker_database, theirs)
        await start(worker_database, mine)
        first = (await socket.receive())["payload"]["data"]
        async with worker_database.transaction() as session:
            await release_for_retry(session=session, media_id=mine)
        second = (await socket.receive())["payload"]["data"]
    assert [first, second] == [
        {"viewerMediaUpdates": {"uuid": str(mine), "processingStatus": "EXTRACTING"}},
        {"viewerMediaUpdates": {"uuid": str(mine), "processingStatus": "PENDING"}},
    ]


async def test_a_thousand_subscribe_and_complete_cycles_leak_nothing(
    connect, served, realtime_engine: AsyncEngine
) -> None:
    user = uuid4()
    fanout = served.app.app.state.websocket.fanout
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        variables = {"id": global_id("Media", media_id)}
        await socket.subscribe("warm", MEDIA_PROCESSING, variables)
        await socket.receive()
        await socket.send({"id": "warm", "type": "complete"})
        gc.collect()
        tasks_before = len(asyncio.all_tasks())
        connections_before = served.app.app.state.database.read_pool.opened
        for cycle in range(1000):
            await socket.subscribe(str(cycle), MEDIA_PROCESSING, variables)
            if cycle % 2:
                # Half leave before their first answer, half after it.
                await socket.send({"id": str(cycle), "type": "complete"})
            else:
                assert (await socket.receive())["id"] == str(cycle)
                await socket.send({"id": str(cycle), "type": "complete"})
        await socket.subscribe("last", MEDIA_PROCESSING, variables)
        message = await socket.receive()
        while message["id"] != "last":
            message = await socket.receive()
        await socket.send({"id": "last", "type": "complete"})
        await asyncio.sleep(0.2)
        session = next(iter(served.app.app.state.websocket.sessions))
        assert session.operations == {}
        assert fanout.subscribers == 0
        gc.collect()
        assert len(asyncio.all_tasks()) <= tasks_before
        assert served.app.app.state.database.read_pool.opened <= max(connections_before, 5)


async def test_deliveries_are_counted_in_the_metrics(
    connect, served, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    metrics_url = served.url.replace("ws://", "http://").replace("/graphql", "/metrics")

    async def fanned_out() -> float:
        async with httpx.AsyncClient() as http:
            scraped = samples((await http.get(metrics_url)).text)
        return value(scraped, "nexus_realtime_events_fanned_out_total")

    user = uuid4()
    async with connect(user) as first, connect(user) as second:
        media_id = await saved_media(realtime_engine, user)
        for socket in (first, second):
            await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
            await socket.receive()
        before = await fanned_out()
        await start(worker_database, media_id)
        for socket in (first, second):
            assert (await socket.receive())["type"] == "next"
        assert await fanned_out() - before == 2
