"""`nexus dev` again after the last one died without stopping its embedded PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from nexus.db.embedded import SYSTEM_USER, EmbeddedPostgres
from tests.cli_process import NEXUS, cli_env, free_port, wait_for


@contextmanager
def _dev(state: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`nexus dev` in a process group of its own, so the test can kill it as a terminal
    would; killed at the end if still running."""
    log = state.parent / f"dev-{port}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [*NEXUS, "dev", "--port", str(port)],
            env=cli_env(NEXUS_STATE_DIR=str(state)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


@pytest.fixture
def state(outside_tmp: Path) -> Iterator[Path]:
    """The state dir of the test's `nexus dev`s; no PostgreSQL is left running in it."""
    state = outside_tmp / "state"
    yield state
    EmbeddedPostgres(state.resolve()).stop()


def _postmaster_pid(state: Path) -> int:
    return int((state / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, does not count)."""
    ps = subprocess.run(  # noqa: S603
        ["ps", "-o", "stat=", "-p", str(pid)],  # noqa: S607 (ps from PATH)
        capture_output=True,
        text=True,
        check=False,
    )
    return ps.stdout.strip() not in ("", "Z")


def test_dev_after_a_sigkill_stops_the_postgres_left_running_and_serves(state: Path) -> None:
    first_port = free_port()
    with _dev(state, first_port) as first:
        assert wait_for(f"http://127.0.0.1:{first_port}/health", first).status_code == 200
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=60)
        left_running = _postmaster_pid(state)
        assert _running(left_running)

    second_port = free_port()
    with _dev(state, second_port) as second:
        assert wait_for(f"http://127.0.0.1:{second_port}/ready", second).status_code == 200
        assert not _running(left_running)
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=60) in (0, 130)
    assert not (state / "pgdata" / "postmaster.pid").exists()


def test_dev_removes_a_stale_postmaster_pid_naming_a_live_unrelated_process(state: Path) -> None:
    cluster = EmbeddedPostgres(state.resolve(), durable=False).start()
    pid_file = cluster.pgdata / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    cluster.stop()
    # After a reboot or in a new container the recorded pid may belong to anything; one
    # the server's user may signal is what PostgreSQL itself takes for a live postmaster.
    unrelated = subprocess.Popen(
        ["sleep", "300"],  # noqa: S607
        user=SYSTEM_USER if os.geteuid() == 0 else None,
    )
    try:
        pid_file.write_text("\n".join([str(unrelated.pid), *lines[1:]]) + "\n")
        port = free_port()
        with _dev(state, port) as dev:
            assert wait_for(f"http://127.0.0.1:{port}/ready", dev).status_code == 200
            assert _postmaster_pid(state) != unrelated.pid
        assert unrelated.poll() is None
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_second_dev_on_a_cluster_a_live_dev_holds_says_so_in_one_line(state: Path) -> None:
    port = free_port()
    with _dev(state, port) as first:
        assert wait_for(f"http://127.0.0.1:{port}/health", first).status_code == 200
        second = subprocess.run(  # noqa: S603
            [*NEXUS, "dev", "--port", str(free_port())],
            env=cli_env(NEXUS_STATE_DIR=str(state)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 1
        assert "Traceback" not in second.stderr
        last = second.stderr.strip().splitlines()[-1]
        assert last.startswith("nexus: "), second.stderr
        assert str(first.pid) in last
        assert "DATABASE_URL=postgresql://postgres@127.0.0.1:" in last
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
