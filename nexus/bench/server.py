"""A `nexus serve --workers N` subprocess for a load run, and its workers' memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ServeProcess", "serving"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class ServeProcess:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The uvicorn workers (the process itself when it serves alone)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        workers = [pid for pid in pids if "nexus.serve" in _cmdline(pid)]
        return workers or [self.process.pid]

    def rss_mib(self) -> list[float]:
        return [round(_rss_kib(pid) / 1024, 1) for pid in self.worker_pids()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@contextmanager
def serving(
    database_url: str, state_dir: Path, *, workers: int, settings: dict[str, str] | None = None
) -> Iterator[ServeProcess]:
    """`nexus serve` in NEXUS_ENV=local (tokens signed by the key in `state_dir`), up once
    every worker has started; SIGTERM (then the grace period) on leaving. `settings`:
    more NEXUS_* environment for the server."""
    port = _free_port()
    log = state_dir / "serve.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "NEXUS_ENV": "local",
        "NEXUS_STATE_DIR": str(state_dir),
        "DATABASE_URL": database_url,
        "NEXUS_LOG_FORMAT": "json",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "nexus", "serve", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [*command, "--workers", str(workers)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            start_new_session=True,
        )
    server = ServeProcess(process, port, log)
    try:
        deadline = time.monotonic() + 180
        while log.read_text().count("Application startup complete") < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nexus serve did not start; see {log}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
