"""`nexus serve --workers N`: the parent process, which only starts and watches workers.

The CLI process has imported settings (pydantic) and more; it replaces itself with this
module (`os.execv`), which imports the standard library only, and starts each worker as
`python -m nexus.serve` (no multiprocessing: its resource tracker would be one process
more). The parent then holds a few MB instead of about 55. SIGTERM or SIGINT is passed to
every worker, which stops accepting, lets in-flight requests finish (bounded grace) and
closes its pool; a worker that exits on its own stops the others.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from types import FrameType

__all__ = ["listener", "supervise"]

_POLL_SECONDS = 0.2


def listener(host: str, port: int) -> socket.socket:
    """A listening socket of its own for one worker; the kernel spreads connections
    evenly over the SO_REUSEPORT listeners of one port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def supervise(host: str, port: int, workers: int, grace_seconds: int) -> int:
    """Run `workers` worker processes until they end; the exit status of the server."""
    # Bind once here first so a taken port fails now, with one clear error.
    listener(host, port).close()
    command = [sys.executable, "-m", "nexus.serve", host, str(port), str(grace_seconds)]
    # prometheus-client's multiprocess mode: the workers write their metrics to files here
    # and a scrape of any one adds them all up. Fresh per server start, so no count of a
    # previous run is added in; removed at the end (no worker is ever replaced, so no
    # file of a dead worker is left among live ones meanwhile).
    metrics_dir = tempfile.mkdtemp(prefix="nexus-metrics-")
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    processes = [
        subprocess.Popen(command, env=environment)  # noqa: S603 (our own)
        for _ in range(workers)
    ]
    forwarded: set[int] = set()

    def forward(signum: int, _frame: FrameType | None) -> None:
        forwarded.add(signum)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while all(process.poll() is None for process in processes):
        time.sleep(_POLL_SECONDS)
    if not forwarded:  # a worker died: the others stop too
        forward(signal.SIGTERM, None)
    for process in processes:
        process.wait()
    shutil.rmtree(metrics_dir, ignore_errors=True)
    # uvicorn re-raises the signal it stopped on once shut down, so a worker we told to
    # stop ends "killed by" that signal: a clean exit.
    clean = {0, *(-signum for signum in forwarded)}
    failed = [p.returncode for p in processes if p.returncode not in clean]
    if failed:
        print(f"nexus: a worker exited with status {failed[0]}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus serve")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("workers", type=int)
    parser.add_argument("grace_seconds", type=int)
    args = parser.parse_args(argv)
    try:
        return supervise(args.host, args.port, args.workers, args.grace_seconds)
    except OSError as error:
        print(f"nexus: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
