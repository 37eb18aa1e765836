"""Observability tests: a migrated database of their own, served processes and scrapes."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from nexus.db.migrations import upgrade


@pytest.fixture
def own_db_url(create_database) -> str:
    """A migrated database for this test alone: its processes and jobs only."""
    url: str = create_database("nexus_obs")
    upgrade(url)
    return url


async def status_becomes(url: str, expected: int, seconds: float = 30) -> None:
    """Wait (on the event loop, which may serve a proxy meanwhile) until `url` answers
    `expected`."""
    deadline = time.monotonic() + seconds
    last: object = None
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                last = (await client.get(url)).status_code
            except httpx.TransportError as error:
                last = error
            if last == expected:
                return
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} answered {last!r}, not {expected}, for {seconds}s")
