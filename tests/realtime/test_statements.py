"""SQL statements per status change, counted on the wire (libpq's trace of every read
pool connection): in one snapshot (BEGIN ... ROLLBACK), one visibility statement for all
watchers, then one resolution per distinct (selection, viewer). They do not grow with the
subscribers of one media."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from uuid import uuid4

from psycopg import pq
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.db.engine import Database
from tests.factories import global_id
from tests.graphql.test_statements_on_the_wire import WireTrace
from tests.identity import IdentityProvider
from tests.realtime.client import MEDIA_PROCESSING, GraphQLSocket
from tests.realtime.data import saved_media, share_with, start


class FlushedTrace(WireTrace):
    """libpq buffers its trace: each count first flushes every connection's (PQuntrace
    flushes; tracing then goes on into the same file)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.drivers: list[Any] = []

    def attach_driver(self, driver: Any) -> None:
        super().attach_driver(driver)
        self.drivers.append(driver)

    def statements(self) -> list[str]:
        for driver, sink in zip(self.drivers, self.files, strict=True):
            if not driver.closed:
                driver.pgconn.untrace()
                driver.pgconn.trace(sink.fileno())
                driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        return super().statements()


async def _statements_per_change(
    *,
    serve,
    identity: IdentityProvider,
    engine: AsyncEngine,
    worker: Database,
    trace_dir: Path,
    subscribers: int,
    viewers: int,
) -> int:
    await asyncio.to_thread(trace_dir.mkdir)
    trace = FlushedTrace(trace_dir)

    def attach(app) -> None:
        app.app.state.database.read_pool.on_connect.append(trace.attach_driver)

    users = [uuid4() for _ in range(viewers)]
    async with serve(before=attach) as served, AsyncExitStack() as stack:
        await served.app.app.state.media_events.connected.wait()
        sockets = []
        for index in range(subscribers):
            socket = await stack.enter_async_context(GraphQLSocket.open(served.url))
            await socket.init(identity.token(users[index % viewers]))
            sockets.append(socket)
        media_id = await saved_media(engine, users[0])
        async with engine.begin() as connection:
            await share_with(connection, media_id, users[1:])
        for socket in sockets:
            await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
            await socket.receive()
        before = len(trace.statements())
        await start(worker, media_id)
        for socket in sockets:
            message = await socket.receive()
            assert message["payload"]["data"]["mediaProcessing"]["processingStatus"] == "EXTRACTING"
        await asyncio.sleep(0.1)
        counted = len(trace.statements()) - before
    for sink in trace.files:
        sink.close()
    return counted


async def test_statements_per_change_do_not_grow_with_the_subscribers_of_one_media(
    serve,
    identity: IdentityProvider,
    realtime_engine: AsyncEngine,
    worker_database: Database,
    tmp_path: Path,
) -> None:
    options = {
        "serve": serve,
        "identity": identity,
        "engine": realtime_engine,
        "worker": worker_database,
    }
    one = await _statements_per_change(
        **options, trace_dir=tmp_path / "one", subscribers=1, viewers=1
    )
    many = await _statements_per_change(
        **options, trace_dir=tmp_path / "many", subscribers=40, viewers=1
    )
    assert one == many
    # Per distinct viewer one resolution more, never one per subscriber.
    two_viewers = await _statements_per_change(
        **options, trace_dir=tmp_path / "two", subscribers=40, viewers=2
    )
    resolution = two_viewers - one
    assert resolution >= 1
    four_viewers = await _statements_per_change(
        **options, trace_dir=tmp_path / "four", subscribers=40, viewers=4
    )
    assert four_viewers == one + 3 * resolution
    # Besides the resolutions: the snapshot's BEGIN and ROLLBACK, and the visibility check.
    assert one - resolution == 3


async def test_subscriptions_arriving_together_share_their_first_resolution(
    serve, identity: IdentityProvider, realtime_engine: AsyncEngine, tmp_path: Path
) -> None:
    trace_dir = tmp_path / "joins"
    await asyncio.to_thread(trace_dir.mkdir)
    trace = FlushedTrace(trace_dir)

    def attach(app) -> None:
        app.app.state.database.read_pool.on_connect.append(trace.attach_driver)

    user = uuid4()
    async with serve(before=attach) as served, AsyncExitStack() as stack:
        sockets = []
        for _ in range(40):
            socket = await stack.enter_async_context(GraphQLSocket.open(served.url))
            await socket.init(identity.token(user))
            sockets.append(socket)
        media_id = await saved_media(realtime_engine, user)
        variables = {"id": global_id("Media", media_id)}
        before = len(trace.statements())
        await asyncio.gather(*(s.subscribe("1", MEDIA_PROCESSING, variables) for s in sockets))
        for socket in sockets:
            assert (await socket.receive())["type"] == "next"
        counted = len(trace.statements()) - before
    for sink in trace.files:
        sink.close()
    # One at a time, 40 first answers would cost 40 x 5 statements.
    assert counted < 40 * 5 / 2, counted
