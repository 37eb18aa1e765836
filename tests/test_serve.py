"""`nexus serve --workers N` spreads keep-alive connections over its workers, from a
parent process that holds none of the application."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil

from nexus.config import Settings

CONNECTIONS = 256


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listens(worker: psutil.Process, port: int) -> bool:
    return any(
        c.status == psutil.CONN_LISTEN and c.laddr.port == port
        for c in worker.net_connections("tcp")
    )


def _wait_until_every_worker_listens(
    server: subprocess.Popen[bytes], port: int, expected: int
) -> list[psutil.Process]:
    """Connections made while only the first worker listens would all go to it."""
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "the server exited"
        workers = psutil.Process(server.pid).children()
        listening = [w for w in workers if _listens(w, port)]
        if len(listening) == expected:
            return listening
        assert time.monotonic() < deadline, "the workers did not all start listening"
        time.sleep(0.2)


def _env(settings: Settings) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "NEXUS_ENV": "test",
        "DATABASE_URL": str(settings.database_url),
        "NEXUS_JWKS_URL": str(settings.nexus_jwks_url),
        "NEXUS_JWT_ISSUER": str(settings.nexus_jwt_issuer),
        "NEXUS_JWT_AUDIENCE": str(settings.nexus_jwt_audience),
    }


def _serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "nexus", "serve", "--port", str(port), "--workers", "2"]


def _serve_two_workers(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own command)
        _serve_command(port), env=_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_a_taken_port_is_one_clear_error(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(  # noqa: S603 (our own command)
            _serve_command(port),
            env=_env(settings),
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_two_workers_share_keep_alive_connections_evenly(settings: Settings) -> None:
    port = _free_port()
    server = _serve_two_workers(settings, port)
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(CONNECTIONS)]
    try:
        workers = _wait_until_every_worker_listens(server, port, expected=2)
        # The workers are the parent's only children (no multiprocessing resource tracker),
        # and the parent never loaded the application's libraries.
        assert {c.pid for c in psutil.Process(server.pid).children()} == {w.pid for w in workers}
        parent_maps = Path(f"/proc/{server.pid}/maps").read_text()
        worker_maps = Path(f"/proc/{workers[0].pid}/maps").read_text()
        for library in ("pydantic_core", "psycopg", "uvloop", "_cffi_backend"):
            assert library not in parent_maps, library
        assert "pydantic_core" in worker_maps
        for client in clients:
            assert client.get("/health").status_code == 200
        per_worker = Counter(
            {
                worker.pid: sum(
                    1
                    for c in worker.net_connections("tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                )
                for worker in workers
            }
        )
        counts = sorted(count for count in per_worker.values() if count)
        assert sum(counts) == CONNECTIONS
        # A shared socket gave 1/15 (and here 24/40) splits; hashed listeners stay near half
        # each: below 40% is 3.5 standard deviations off for 256 connections.
        assert len(counts) == 2
        assert counts[0] >= CONNECTIONS * 0.4, per_worker
    finally:
        for client in clients:
            client.close()
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr.decode()


def test_a_worker_that_dies_stops_the_server(settings: Settings) -> None:
    # Half a server keeps answering with half its capacity; exiting lets the process
    # manager start a whole one again.
    port = _free_port()
    server = _serve_two_workers(settings, port)
    try:
        dead, survivor = _wait_until_every_worker_listens(server, port, expected=2)
        dead.kill()
        _, stderr = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 1
    assert f"a worker exited with status {-signal.SIGKILL}" in stderr.decode()
    assert not survivor.is_running() or survivor.status() == psutil.STATUS_ZOMBIE
