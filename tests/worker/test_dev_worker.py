"""`nexus dev`'s worker: a process beside the API, reported when it dies, stopped with it."""

from __future__ import annotations

import time

import pytest

from nexus.worker.dev import dev_worker

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/nexus"


def wait_for_output(capfd: pytest.CaptureFixture[str], text: str, seconds: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while text not in seen:
        assert time.monotonic() < deadline, f"no {text!r} in {seen[-2000:]!r}"
        time.sleep(0.2)
        seen += capfd.readouterr().err
    return seen


def test_a_worker_that_dies_is_reported(capfd: pytest.CaptureFixture[str]) -> None:
    with dev_worker(UNREACHABLE, grace_seconds=1) as worker:
        output = wait_for_output(capfd, "nexus dev: the worker exited with code")
        assert worker.returncode == 1
    assert "saved URLs stay PENDING until a worker runs" in output


def test_the_worker_stops_with_dev(queue_db_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    with dev_worker(queue_db_url, grace_seconds=5) as worker:
        wait_for_output(capfd, "Starting worker on queues nexus")
    assert worker.returncode == 0
