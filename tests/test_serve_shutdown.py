"""SIGTERM to `nexus serve` (one worker or several): in-flight requests finish within a
bounded grace period, new connections are refused, and each worker closes its pool.

A real slow request without a debug field: the test holds an exclusive lock on `users`,
so a first-time user's request waits inside PostgreSQL until the test lets it go."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx
import psycopg
import pytest

from nexus.config import Settings
from nexus.db.migrations import upgrade
from tests.identity import IdentityProvider

QUERY = "{ viewer { user { uuid } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll until `condition` holds. `seconds` is a generous bound against a hang, not a
    measure of speed: every condition waited for here happens within a second or so."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _waiting_on_locks(url: str) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def _sessions_of_others(url: str) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


class Serving:
    """A `nexus serve` subprocess whose log goes to a file the test can read."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    def text(self) -> str:
        return self.log.read_text()

    def stop(self, timeout: float = 30) -> str:
        """SIGTERM, wait for the exit, and return the log."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout)
        return self.text()


@contextmanager
def serving(
    settings: Settings, url: str, workers: int, tmp_path: Path, **env: str
) -> Iterator[Serving]:
    port = _free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "NEXUS_ENV": "test",
        "DATABASE_URL": url,
        "NEXUS_JWKS_URL": str(settings.nexus_jwks_url),
        "NEXUS_JWT_ISSUER": str(settings.nexus_jwt_issuer),
        "NEXUS_JWT_AUDIENCE": str(settings.nexus_jwt_audience),
        **env,
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [
                sys.executable,
                "-m",
                "nexus",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            # Its own process group, so a failed test can end the workers too.
            start_new_session=True,
        )
    server = Serving(process, port, log)
    try:
        # A worker's socket listens before its app is loaded: wait for every app.
        _wait_for(
            lambda: server.text().count("Application startup complete") == workers,
            120,
            "every worker to start",
        )
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


@contextmanager
def users_locked(url: str) -> Iterator[psycopg.Connection]:
    """An open transaction holding `users` exclusively; rolled back on leaving."""
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        try:
            yield conn
        finally:
            conn.rollback()


def _first_request(port: int, identity: IdentityProvider) -> Future[httpx.Response]:
    token = identity.token(uuid4())
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(
        httpx.post,
        f"http://127.0.0.1:{port}/graphql",
        json={"query": QUERY},
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
    )
    pool.shutdown(wait=False)
    return future


def _was_cut(request: Future[httpx.Response]) -> bool:
    """Cut off by uvicorn: the connection closed, or uvicorn's own plain 500 when the
    task was cancelled before the app had started its response."""
    try:
        response = request.result(timeout=30)
    except httpx.TransportError:
        return True
    return response.status_code == 500 and response.text == "Internal Server Error"


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_in_flight_requests_finish_and_refuses_new_ones(
    settings: Settings,
    identity: IdentityProvider,
    create_database: Callable[[str], str],
    tmp_path: Path,
    workers: int,
) -> None:
    url = create_database("nexus_shutdown")
    upgrade(url)
    with serving(settings, url, workers, tmp_path) as server:
        with users_locked(url) as lock:
            in_flight = _first_request(server.port, identity)
            _wait_for(lambda: _waiting_on_locks(url) == 1, 30, "the request to block")
            server.process.send_signal(signal.SIGTERM)
            _wait_for(lambda: _refuses_connections(server.port), 10, "new connections refused")
            assert not in_flight.done()
            assert server.process.poll() is None
            lock.rollback()
        response = in_flight.result(timeout=30)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
        server.process.wait(30)
    log = server.text()
    # uvicorn re-raises SIGTERM once shut down: a lone worker ends "killed by" it.
    assert server.process.returncode in (0, -signal.SIGTERM), log
    assert log.count("Application shutdown complete") == workers
    assert _sessions_of_others(url) == 0


def test_a_request_outlasting_the_grace_period_is_cut_and_the_server_still_exits(
    settings: Settings,
    identity: IdentityProvider,
    create_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    url = create_database("nexus_shutdown")
    upgrade(url)
    with (
        serving(settings, url, 2, tmp_path, NEXUS_SHUTDOWN_GRACE_SECONDS="1") as server,
        users_locked(url),
    ):
        in_flight = _first_request(server.port, identity)
        _wait_for(lambda: _waiting_on_locks(url) == 1, 30, "the request to block")
        # The request stays blocked until this block ends, so only the grace period can
        # let the server exit (stop() waits at most 30 s, thirty times the grace period).
        log = server.stop()
        assert _was_cut(in_flight)
    assert server.process.returncode == 0, log
    assert "timeout graceful shutdown exceeded" in log
    assert log.count("Application shutdown complete") == 2
    assert _sessions_of_others(url) == 0
