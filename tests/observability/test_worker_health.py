"""`nexus worker`'s health answer on NEXUS_WORKER_HEALTH_PORT, through a database lost and
found again (a proxy closed and reopened; the shared PostgreSQL keeps running)."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from tests.cli_process import free_port
from tests.observability.closable_proxy import ClosableProxy
from tests.observability.conftest import start_worker, status_becomes

NEXUS = [sys.executable, "-m", "nexus"]


async def test_health_is_503_while_the_database_is_lost_and_200_again_after(
    own_db_url: str, tmp_path: Path
) -> None:
    port = free_port()
    health = f"http://127.0.0.1:{port}/health"
    log = tmp_path / "worker.log"
    async with ClosableProxy.to(own_db_url) as proxy:
        worker = start_worker(proxy.url(own_db_url), port, tmp_path)
        try:
            await status_becomes(health, 200, seconds=60)
            await proxy.close()
            await status_becomes(health, 503)
            assert worker.poll() is None, "the worker exited instead of waiting"
            await proxy.open()
            await status_becomes(health, 200)
            # A stop once it polls again: the first loop's shutdown may still be retrying.
            await log_says(log, "Starting worker", times=2)
            worker.send_signal(signal.SIGTERM)
            # Waited for off the event loop, which serves the proxy the worker stops through.
            assert await asyncio.to_thread(worker.wait, 30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
    assert "lost the database" in log.read_text()


async def log_says(log: Path, words: str, *, times: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while (await asyncio.to_thread(log.read_text)).count(words) < times:
        assert time.monotonic() < deadline, f"{words!r} not logged {times} times"
        await asyncio.sleep(0.2)
