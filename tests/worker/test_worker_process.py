"""`nexus worker` as a process: killed mid-job, stopped by SIGTERM, its log lines."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nexus.db.engine import Database
from tests.worker.conftest import media_state, save, wait_for_status
from tests.worker.pages import Answer, PageServer, article_page
from tests.worker.processes import descendants, running

NEXUS = [sys.executable, "-m", "nexus"]


def worker_env(
    database_url: str, pages: PageServer, tmp_path: Path, **extra: str
) -> dict[str, str]:
    """A clean environment: this test's database and page server, fast heartbeats."""
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))
    }
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "NEXUS_ENV": "local",
        "NEXUS_STATE_DIR": str(tmp_path / "state"),
        "NEXUS_LOG_FORMAT": "json",
        "NEXUS_INGEST_ALLOW_HOSTS": pages.allow_hosts,
        "NEXUS_WORKER_HEARTBEAT_SECONDS": "0.5",
        "NEXUS_WORKER_STALLED_SECONDS": "2",
        "NEXUS_WORKER_RECOVERY_CRON": "* * * * * *",
        **extra,
    }


@contextmanager
def worker_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603
            [*NEXUS, "worker", "--concurrency", "2"], env=env, stderr=sink, stdout=sink
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def held_then_article(title: str) -> tuple[threading.Event, list[Answer]]:
    """The first request hangs until the event is set; the next ones get the article."""
    hold = threading.Event()
    body = article_page(title)
    return hold, [Answer(body=body, release=hold), Answer(body=body)]


def stop(process: subprocess.Popen[bytes], seconds: float = 30) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=seconds)


def test_nexus_worker_help() -> None:
    result = subprocess.run(  # noqa: S603
        [*NEXUS, "worker", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "--concurrency" in result.stdout
    assert "SIGTERM" in result.stdout


async def test_a_job_of_a_killed_worker_runs_again_on_another(
    queue_db: Database, queue_db_url: str, pages: PageServer, tmp_path: Path
) -> None:
    hold, pages.script["/slow"] = held_then_article("Killed Midway")
    media_id = await save(queue_db, pages, "/slow")
    env = worker_env(queue_db_url, pages, tmp_path)
    with worker_process(env, tmp_path / "first.log") as first:
        pages.wait_for_hits("/slow", 1)
        assert (await media_state(queue_db, media_id)).status == "extracting"
        children = descendants(first.pid)
        assert children  # the pipeline's process (and multiprocessing's resource tracker)
        first.send_signal(signal.SIGKILL)
        first.wait()
    deadline = time.monotonic() + 10
    while any(running(child) for child in children):
        assert time.monotonic() < deadline, "a killed worker's children outlived it"
        await asyncio.sleep(0.1)
    hold.set()
    with worker_process(env, tmp_path / "second.log") as second:
        state = await wait_for_status(queue_db, media_id)
        assert stop(second) == 0
    assert (state.status, state.attempts) == ("ready_for_reading", 2)
    assert pages.hits["/slow"] == 2


async def test_sigterm_lets_the_running_job_finish(
    queue_db: Database, queue_db_url: str, pages: PageServer, tmp_path: Path
) -> None:
    hold, pages.script["/slow"] = held_then_article("Finished Calmly")
    media_id = await save(queue_db, pages, "/slow")
    log = tmp_path / "worker.log"
    with worker_process(worker_env(queue_db_url, pages, tmp_path), log) as worker:
        pages.wait_for_hits("/slow", 1)
        worker.send_signal(signal.SIGTERM)
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=1)
        hold.set()
        assert worker.wait(timeout=30) == 0
    state = await media_state(queue_db, media_id)
    assert (state.status, state.attempts) == ("ready_for_reading", 1)
    job_lines = [
        line
        for line in map(json.loads, log.read_text().splitlines())
        if line.get("media_id") == str(media_id)
    ]
    messages = " | ".join(line["message"] for line in job_lines)
    assert "Starting job" in messages
    assert "processed: ready for reading" in messages
    assert all(isinstance(line.get("job_id"), int) for line in job_lines)


async def test_a_job_outliving_the_grace_period_is_queued_again(
    queue_db: Database, queue_db_url: str, pages: PageServer, tmp_path: Path
) -> None:
    hold, pages.script["/slow"] = held_then_article("Cut Short")
    media_id = await save(queue_db, pages, "/slow")
    env = worker_env(queue_db_url, pages, tmp_path, NEXUS_SHUTDOWN_GRACE_SECONDS="1")
    with worker_process(env, tmp_path / "first.log") as first:
        pages.wait_for_hits("/slow", 1)
        assert stop(first) == 0
    hold.set()
    with worker_process(env, tmp_path / "second.log") as second:
        state = await wait_for_status(queue_db, media_id)
        assert stop(second) == 0
    assert (state.status, state.attempts) == ("ready_for_reading", 2)
