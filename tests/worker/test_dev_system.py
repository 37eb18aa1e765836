"""`nexus dev` alone is the whole system: a saved page is processed by its own worker,
and Ctrl-C (SIGINT to the terminal's process group) stops the API and the worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from nexus.auth.local_keys import DEV_USER_ID, LocalSigningKey
from tests.worker.pages import Answer, PageServer, article_page
from tests.worker.processes import descendants, running
from tests.worker.test_saved_through_graphql import SAVE, STATE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def graphql(port: int, token: str, query: str, variables: dict[str, str]) -> dict[str, Any]:
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_nexus_dev_processes_a_saved_page_and_ctrl_c_stops_everything(
    queue_db_url: str, pages: PageServer, tmp_path: Path
) -> None:
    pages.script["/a"] = [Answer(body=article_page("Dev Loop"))]
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "DATABASE_URL": queue_db_url,
        "NEXUS_ENV": "local",
        "NEXUS_STATE_DIR": str(tmp_path / "state"),
        "NEXUS_INGEST_ALLOW_HOSTS": pages.allow_hosts,
    }
    with (tmp_path / "dev.log").open("wb") as log:
        dev = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "nexus", "dev", "--no-reload", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "nexus dev did not become ready"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        token = LocalSigningKey.load_or_create(tmp_path / "state").mint(DEV_USER_ID, 600)
        saved = graphql(port, token, SAVE, {"url": pages.url("/a")})["addMediaFromUrl"]
        media_id = saved["media"]["id"]
        while True:
            media = graphql(port, token, STATE, {"id": media_id})["media"]
            if media["processingStatus"] == "READY_FOR_READING":
                break
            assert time.monotonic() < deadline, media
            time.sleep(0.2)
        processes = descendants(dev.pid)
        os.killpg(dev.pid, signal.SIGINT)
        dev.wait(timeout=60)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    assert processes  # the worker (and its pipeline process) ran beside the API
    assert not [pid for pid in processes if running(pid)]
    assert "the worker exited" not in (tmp_path / "dev.log").read_text()
