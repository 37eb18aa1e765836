"""`nexus serve --workers 2`: any worker's /metrics adds up both workers' figures (each
worker's within a second), from the directory the supervisor made for this start and
removes when it stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

from nexus.config import Settings
from nexus.observability.sampler import SAMPLE_SECONDS
from tests.cli_process import free_port
from tests.identity import IdentityProvider
from tests.observability.scrape import samples, value

REQUESTS = 40
VIEWER = {"query": "{ viewer { user { uuid } } }"}


def serve_two_workers(settings: Settings, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "NEXUS_ENV": "test",
        "DATABASE_URL": database_url,
        "NEXUS_JWKS_URL": str(settings.nexus_jwks_url),
        "NEXUS_JWT_ISSUER": str(settings.nexus_jwt_issuer),
        "NEXUS_JWT_AUDIENCE": str(settings.nexus_jwt_audience),
    }
    command = [sys.executable, "-m", "nexus", "serve", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603


def listening_workers(server: subprocess.Popen[bytes], port: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "the server exited"
        workers = [
            worker
            for worker in psutil.Process(server.pid).children()
            if any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == port
                for c in worker.net_connections("tcp")
            )
        ]
        if len(workers) == 2:
            return workers
        assert time.monotonic() < deadline, "the workers did not both start listening"
        time.sleep(0.2)


def on_a_new_connection(method: str, url: str, **options: Any) -> httpx.Response:
    """One request on a connection of its own, so the kernel spreads them over both
    workers' listeners."""
    with httpx.Client(timeout=10) as client:
        return client.request(method, url, **options)


def test_any_worker_answers_for_both(
    settings: Settings, own_db_url: str, identity: IdentityProvider
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve_two_workers(settings, own_db_url, port)
    try:
        workers = listening_workers(server, port)
        metrics_dir = Path(workers[0].environ()["PROMETHEUS_MULTIPROC_DIR"])
        headers = {"Authorization": f"Bearer {identity.token(uuid.uuid4())}"}
        for _ in range(REQUESTS):
            response = on_a_new_connection("POST", f"{base}/graphql", json=VIEWER, headers=headers)
            assert response.status_code == 200, response.text
        # Both workers answered some and wrote their own files.
        written = {path.name for path in metrics_dir.iterdir()}
        for worker in workers:
            assert f"counter_{worker.pid}.db" in written
        labels = {"operation": "query", "path": "compiled", "code": "200"}
        # Each worker adds its requests to its files once a second (its sampler).
        deadline = time.monotonic() + 10 * SAMPLE_SECONDS
        while time.monotonic() < deadline:
            scrape = samples(on_a_new_connection("GET", f"{base}/metrics").text)
            if value(scrape, "nexus_graphql_requests_total", **labels) == REQUESTS:
                break
            time.sleep(0.1)
        for _ in range(6):
            scrape = samples(on_a_new_connection("GET", f"{base}/metrics").text)
            assert value(scrape, "nexus_graphql_requests_total", **labels) == REQUESTS
            count = "nexus_graphql_request_duration_seconds_count"
            assert value(scrape, count, operation="query", path="compiled") == REQUESTS
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr.decode()
    assert not metrics_dir.exists()
