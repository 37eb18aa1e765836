"""The operation time limit and PostgreSQL's statement_timeout: a typed E_TIMEOUT, fast,
and the worker and its pool stay healthy."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.config import Settings
from tests.helpers import Api
from tests.http.probe_schema import serve_probe
from tests.identity import IdentityProvider

# What the probes would sleep if nothing stopped them. The limits under test are 0.2-0.3 s;
# a stopped request must come back in under half of this: a bound generous enough for any
# loaded machine, and still one that only a stopped request can meet.
SLEEP_SECONDS = 60
STOPPED_WITHIN_SECONDS = SLEEP_SECONDS / 2


async def timed(api: Api, query: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = await api.post(query, user=uuid4())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, time.monotonic() - started


async def sleeping_statements(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'"
                " AND datname = current_database()"
            )
        )
    return int(count or 0)


async def test_operation_over_the_time_limit_is_stopped_with_e_timeout(
    settings: Settings, identity: IdentityProvider
) -> None:
    async with serve_probe(settings, identity, nexus_operation_timeout_seconds=0.3) as api:
        body, elapsed = await timed(api, f"{{ nap(seconds: {SLEEP_SECONDS}) }}")
        assert elapsed < STOPPED_WITHIN_SECONDS
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "E_TIMEOUT", "status": 504}
        assert "0.3 seconds" in error["message"]
        # The worker is free for the next request.
        assert (await timed(api, "{ nap(seconds: 0) }"))[0]["data"] == {"nap": True}


async def test_statement_over_statement_timeout_is_e_timeout_on_its_field(
    settings: Settings, identity: IdentityProvider
) -> None:
    async with serve_probe(settings, identity, nexus_statement_timeout_ms=200) as api:
        body, elapsed = await timed(api, f"{{ pgSleep(seconds: {SLEEP_SECONDS}) }}")
        assert elapsed < STOPPED_WITHIN_SECONDS
        [error] = body["errors"]
        assert error["path"] == ["pgSleep"]
        assert error["extensions"] == {"code": "E_TIMEOUT", "status": 504}
        # The pooled connection survived the cancelled statement.
        assert (await timed(api, "{ pgSleep(seconds: 0) }"))[0]["data"] == {"pgSleep": True}


async def test_operation_time_limit_also_cancels_the_statement_in_postgresql(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    async with serve_probe(
        settings, identity, nexus_operation_timeout_seconds=0.3, nexus_statement_timeout_ms=0
    ) as api:
        body, _ = await timed(api, f"{{ pgSleep(seconds: {SLEEP_SECONDS}) }}")
        assert body["errors"][0]["extensions"]["code"] == "E_TIMEOUT"
        # psycopg sends PostgreSQL a cancel request when the task is cancelled: the
        # statement ends long before its own sleep would.
        for _ in range(int(STOPPED_WITHIN_SECONDS * 10)):
            if await sleeping_statements(engine) == 0:
                break
            await asyncio.sleep(0.1)
        assert await sleeping_statements(engine) == 0
        assert (await timed(api, "{ pgSleep(seconds: 0) }"))[0]["data"] == {"pgSleep": True}
