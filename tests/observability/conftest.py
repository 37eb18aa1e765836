"""Observability tests: a migrated database of their own, served processes and scrapes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nexus.db.migrations import upgrade
from tests.cli_process import cli_env


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


def start_worker(
    database_url: str, health_port: int, tmp_path: Path, **settings: str
) -> subprocess.Popen[bytes]:
    """`nexus worker --concurrency 1` answering on `health_port`, logging to worker.log."""
    env = cli_env(
        DATABASE_URL=database_url,
        NEXUS_ENV="local",
        NEXUS_STATE_DIR=str(tmp_path / "state"),
        NEXUS_LOG_FORMAT="json",
        NEXUS_WORKER_HEALTH_PORT=str(health_port),
        NEXUS_WORKER_HEARTBEAT_SECONDS="0.5",
        **settings,
    )
    with (tmp_path / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "nexus", "worker", "--concurrency", "1"],
            env=env,
            stdout=log,
            stderr=log,
        )
