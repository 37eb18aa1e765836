"""PostgreSQL stops mid-traffic: requests fail fast with E_UNAVAILABLE (never E_INTERNAL,
never a hang), /ready says 503, /health stays 200, and when the server comes back the
service recovers without a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID, uuid4

import httpx

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.migrations import upgrade
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

QUERY = "{ viewer { user { uuid } } }"
# Connection refused is immediate, and the pool's checkout and connect timeouts are 5 s;
# a request hanging on the dead server (TCP's own timeouts are minutes) would take far
# longer. A generous bound, so that a loaded machine still passes: not a measure of speed.
FAST_SECONDS = 30.0


@asynccontextmanager
async def own_database(outside_tmp: Path) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(outside_tmp / "pg", durable=False).start()
    try:
        upgrade(server.url())
        yield server
    finally:
        server.stop()


def outcome(response: httpx.Response) -> str:
    """'ok', or the error code with the HTTP status: what a client would see."""
    body = response.json()
    if "errors" not in body:
        return "ok"
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert len(codes) == 1, body
    return f"{response.status_code} {codes.pop()}"


class Outcomes:
    """What the traffic has seen so far, as events a test can wait for."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def event(self, name: str) -> asyncio.Event:
        return self._events.setdefault(name, asyncio.Event())

    async def seen(self, name: str) -> None:
        async with asyncio.timeout(4 * FAST_SECONDS):
            await self.event(name).wait()


async def traffic(
    api: Api, users: list[UUID], stop: asyncio.Event, outcomes: Outcomes
) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    while not stop.is_set():
        for user in users:
            started = time.monotonic()
            response = await api.post(QUERY, user=user)
            seen.append((outcome(response), time.monotonic() - started))
            outcomes.event(seen[-1][0]).set()
            # In-process requests that fail without I/O never yield: let the test run too.
            await asyncio.sleep(0.005)
    return seen


async def test_database_stopping_mid_traffic_fails_fast_and_recovers(
    settings: Settings, identity: IdentityProvider, outside_tmp: Path
) -> None:
    async with own_database(outside_tmp) as server:
        app = create_app(settings.model_copy(update={"database_url": server.url()}))
        async with lifespan(app), Api.over(app, identity) as api:
            known = [await api.new_user() for _ in range(4)]
            stop = asyncio.Event()
            outcomes = Outcomes()
            workers = [asyncio.create_task(traffic(api, known, stop, outcomes)) for _ in range(4)]
            await outcomes.seen("ok")
            await asyncio.to_thread(server.stop)

            # A known user's operation reaches its resolver: data null, E_UNAVAILABLE.
            down = await api.post(QUERY, user=known[0])
            assert down.status_code == 200
            assert down.json()["data"] is None
            assert down.json()["errors"][0]["extensions"] == {
                "code": "E_UNAVAILABLE",
                "status": 503,
            }
            # A first-time user fails before execution, with the status of the code.
            first_time = await api.post(QUERY, user=uuid4())
            assert outcome(first_time) == "503 E_UNAVAILABLE"
            assert (await api.http.get("/ready")).status_code == 503
            assert (await api.http.get("/health")).status_code == 200
            await outcomes.seen("200 E_UNAVAILABLE")

            await asyncio.to_thread(server.start)
            stop.set()
            # A request that hung would hold its worker: fail then, do not hang the suite.
            async with asyncio.timeout(4 * FAST_SECONDS):
                seen = [item for worker in workers for item in await worker]
            assert await api.data(QUERY, user=known[0]) == {
                "viewer": {"user": {"uuid": str(known[0])}}
            }
            assert await api.new_user()
            assert (await api.http.get("/ready")).status_code == 200

    names = {name for name, _ in seen}
    assert names <= {"ok", "200 E_UNAVAILABLE", "503 E_UNAVAILABLE"}, names
    assert "ok" in names
    assert "200 E_UNAVAILABLE" in names
    assert max(seconds for _, seconds in seen) < FAST_SECONDS
