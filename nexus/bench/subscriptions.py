"""`python -m nexus.bench.subscriptions`: realtime fan-out under load, on loopback.

Against `nexus serve --workers 1` on a throwaway database of `DATABASE_URL`'s server:
`--users` users open `--connections` WebSocket connections in all, each subscribed to
`mediaProcessing` of its user's media item. Each item then changes `--changes` times
(PENDING <-> EXTRACTING, committed by the worker's own service functions), all items at
once per round. Reports delivery latency from commit to receipt (p50, p99), delivered
events per second, the server's CPU per delivered event, its RSS per idle (subscribed)
connection, and its RSS after `--cycles` subscribe/complete cycles and after as many
more (flat: nothing kept per finished subscription). A state is known by (status,
attempts), so each receipt is matched with the commit that made it. Statements per
change are counted on the wire by tests/realtime/test_statements.py (PostgreSQL's own
counters mix in autovacuum).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect

from nexus.auth.local_keys import LocalSigningKey
from nexus.bench.server import ServeProcess, serving
from nexus.bench.subscription_data import MediaChanger, create_user_media
from nexus.config import normalize_database_url
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade

__all__ = ["main"]

QUERY = """subscription Watch($id: ID!) {
  mediaProcessing(id: $id) { id processingStatus processingAttempts capabilities { canRead } }
}"""
State = tuple[UUID, str, int]


class Clients:
    """The WebSocket connections and when each received each state."""

    def __init__(self, url: str, *, compression: bool = False) -> None:
        self.url = url
        # Browsers offer permessage-deflate; the server then compresses each message
        # once per connection.
        self.compression = "deflate" if compression else None
        self.sockets: list[ClientConnection] = []
        self.received: dict[State, list[float]] = defaultdict(list)
        self.readers: list[asyncio.Task[None]] = []

    async def open(self, token: str, media_id: UUID) -> None:
        protocols: Any = ["graphql-transport-ws"]
        socket = await connect(self.url, subprotocols=protocols, compression=self.compression)
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        answer = json.loads(await socket.recv())
        if answer["type"] != "connection_ack":
            raise RuntimeError(f"connection_init answered {answer}")
        global_id = base64.b64encode(f"Media:{media_id}".encode()).decode()
        payload = {"query": QUERY, "variables": {"id": global_id}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.sockets.append(socket)
        self.readers.append(asyncio.create_task(self._read(socket, media_id)))

    async def _read(self, socket: ClientConnection, media_id: UUID) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "ping":
                await socket.send('{"type":"pong"}')
            elif message["type"] == "next":
                media = message["payload"]["data"]["mediaProcessing"]
                state = (media_id, media["processingStatus"], media["processingAttempts"])
                self.received[state].append(time.time())

    def last_states(self, final: dict[UUID, State]) -> int:
        """How many connections received the final state of their media."""
        return sum(len(self.received[state]) for state in final.values())

    def count(self) -> int:
        return sum(map(len, self.received.values()))

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(socket.close() for socket in self.sockets))


async def _rss_over_cycles(
    cycles: int, url: str, users: list[tuple[str, UUID]], worker: int
) -> None:
    """`cycles` subscriptions, each answered then completed by the client, on one
    connection per user at once (clients that come and go, as a long-lived server sees
    them), twice: RSS after the first batch (warm) and after the second."""

    async def cycle_on(token: str, media_id: UUID, count: int) -> None:
        protocols: Any = ["graphql-transport-ws"]
        async with connect(url, subprotocols=protocols) as socket:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await socket.send(json.dumps(init))
            json.loads(await socket.recv())
            global_id = base64.b64encode(f"Media:{media_id}".encode()).decode()
            payload = {"query": QUERY, "variables": {"id": global_id}}
            for number in range(count):
                operation = str(number)
                message = {"id": operation, "type": "subscribe", "payload": payload}
                await socket.send(json.dumps(message))
                while True:
                    answer = json.loads(await socket.recv())
                    if answer.get("id") == operation and answer["type"] == "next":
                        break
                await socket.send(json.dumps({"id": operation, "type": "complete"}))

    rss = []
    for _batch in range(2):
        await asyncio.gather(*(cycle_on(t, m, cycles // len(users)) for t, m in users))
        await asyncio.sleep(1)
        rss.append(_rss_kib(worker) / 1024)
    print(
        f"server RSS after {cycles} subscribe/complete cycles {rss[0]:.1f} MiB, "
        f"after {cycles} more {rss[1]:.1f} MiB ({rss[1] - rss[0]:+.1f} MiB)"
    )


async def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run(args: argparse.Namespace, url: str, server: ServeProcess, state: Path) -> None:
    key = LocalSigningKey.load_or_create(state)
    users = [uuid.uuid4() for _ in range(args.users)]
    tokens = {user: key.mint(user, ttl_seconds=3600) for user in users}
    clients = Clients(f"ws://127.0.0.1:{server.port}/graphql", compression=args.compression)
    worker = server.worker_pids()[0]
    database = Database(create_engine(url, pool_size=args.users))
    try:
        # A first connection per user creates the user (as HTTP does on a first request).
        warm = Clients(clients.url)
        for user in users:
            await warm.open(tokens[user], uuid.uuid4())
        owned = await create_user_media(database, users)
        await warm.close()
        await asyncio.sleep(1)
        rss_before = _rss_kib(worker)
        for start in range(0, args.connections, 50):
            batch = range(start, min(start + 50, args.connections))
            await asyncio.gather(
                *(
                    clients.open(tokens[users[i % args.users]], owned[users[i % args.users]])
                    for i in batch
                )
            )
        if not await _until(lambda: clients.count() >= args.connections, 60):
            raise RuntimeError("not every subscription had its first answer within 60 s")
        await asyncio.sleep(2)
        rss_idle = (_rss_kib(worker) - rss_before) / args.connections
        changer = MediaChanger(database)
        cpu_before = _cpu_seconds(worker)
        received_before = clients.count()
        committed: dict[State, float] = {}
        started = time.time()
        for _ in range(args.changes):
            changes = await asyncio.gather(*(changer.change(m) for m in owned.values()))
            committed.update(changes)
            await asyncio.sleep(args.interval)
        final = {state[0]: state for state, _at in changes}
        expected = args.changes * args.connections
        await _until(lambda: clients.count() - received_before >= expected, 60)
        cpu = _cpu_seconds(worker) - cpu_before
        latencies = sorted(
            at - commit_at
            for state, commit_at in committed.items()
            for at in clients.received[state]
        )
        delivered = len(latencies)
        last = max(at for state in committed for at in clients.received[state])
        p50 = latencies[delivered // 2] * 1000
        p99 = latencies[min(delivered - 1, int(delivered * 0.99))] * 1000
        print(f"connections {args.connections} ({args.users} users), changes {len(committed)}")
        print(f"delivered {delivered} of {expected} ({expected - delivered} collapsed)")
        print(f"final state received by {clients.last_states(final)} of {args.connections}")
        print(f"latency commit->receipt p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        print(f"delivered events/s {delivered / (last - started):.0f}")
        print(f"server CPU per delivered event {cpu / delivered * 1e6:.0f} us")
        print(f"server RSS per idle subscribed connection {rss_idle:.1f} KiB")
        await clients.close()
        if args.cycles:
            mine = [(tokens[user], owned[user]) for user in users]
            await _rss_over_cycles(args.cycles, clients.url, mine, worker)
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nexus.bench.subscriptions")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20)
    # Seconds between rounds; 0: back to back, where a state a newer one overtook before
    # it was read is not sent (each event re-reads the row), only the newer one.
    parser.add_argument("--interval", type=float, default=0.0)
    parser.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    # Subscribe/complete cycles after the rounds, twice: RSS after the first batch (warm)
    # and after the second shows whether anything accumulates. 0: none.
    parser.add_argument("--cycles", type=int, default=10_000)
    args = parser.parse_args(argv)
    server_url = normalize_database_url(os.environ["DATABASE_URL"])
    name = f"nexus_bench_subscriptions_{uuid.uuid4().hex[:8]}"
    admin = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as state, serving(url, Path(state), workers=1) as server:
            asyncio.run(_run(args, url, server, Path(state)))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
