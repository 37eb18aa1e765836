"""`nexus dev`'s worker: `nexus worker` in a process of its own beside the API."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DEV_CONCURRENCY", "dev_worker"]

DEV_CONCURRENCY = 2


# Ctrl-C reaches the worker and the API together: a worker that stopped on it is not
# reported when `nexus dev` itself is stopping within this many seconds.
STOP_WINDOW_SECONDS = 5.0


def _report_exit(process: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    code = process.wait()
    if not stopping.wait(STOP_WINDOW_SECONDS):
        print(
            f"nexus dev: the worker exited with code {code}; saved URLs stay PENDING "
            "until a worker runs (restart `nexus dev`, or run `nexus worker`)",
            file=sys.stderr,
        )


@contextmanager
def dev_worker(database_url: str, *, grace_seconds: float) -> Iterator[subprocess.Popen[bytes]]:
    """Run a worker on `database_url` (the environment's other settings, such as
    NEXUS_INGEST_ALLOW_HOSTS, pass through) while the block runs; a worker that exits
    before the block ends is reported. At the end it gets SIGTERM (Ctrl-C in a
    terminal has already sent it SIGINT) and `grace_seconds` to finish its jobs."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "nexus", "worker", "--concurrency", str(DEV_CONCURRENCY)],
        env=environment,
    )
    stopping = threading.Event()
    watcher = threading.Thread(target=_report_exit, args=(process, stopping), daemon=True)
    watcher.start()
    try:
        yield process
    finally:
        stopping.set()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace_seconds + 5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
