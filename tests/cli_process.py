"""Running the `nexus` command as a user runs it: a subprocess with a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

NEXUS = [sys.executable, "-m", "nexus"]


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without its DATABASE_URL, NEXUS_* and OTEL_* settings (a
    developer's tracing exporter), plus `extra`."""
    own = ("DATABASE_URL", "NEXUS_", "OTEL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return {**env, **extra}


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> httpx.Response:
    """The first answer of `url`, while `process` (the server) keeps running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited early"
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds}s")
