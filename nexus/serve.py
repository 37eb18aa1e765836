"""`nexus serve`: uvicorn workers, each with its own SO_REUSEPORT listener.

`uvicorn --workers N` shares one listening socket, and the kernel then hands keep-alive
connections to whichever worker wakes first: 16 benchmark connections split 1/15 and
13/3. With one SO_REUSEPORT socket per worker the kernel hashes connections across the
listeners evenly. SIGTERM or SIGINT to the parent is passed to every worker, which stops
accepting, lets in-flight requests finish (bounded grace) and closes its pool.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from types import FrameType

import uvicorn

__all__ = ["serve"]

APP = "nexus.app:app"


def _listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _config(host: str, port: int, grace_seconds: int) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # libuv's event loop and the C HTTP parser: less CPU per request than asyncio's
        # loop and h11, the pure-Python parser uvicorn falls back to.
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=grace_seconds,
    )


def _worker(host: str, port: int, grace_seconds: int) -> None:
    sock = _listener(host, port)
    uvicorn.Server(_config(host, port, grace_seconds)).run(sockets=[sock])


def serve(host: str, port: int, *, workers: int = 1, grace_seconds: int = 10) -> None:
    """Serve until SIGTERM/SIGINT; with several workers, one listener per worker."""
    if workers == 1:
        uvicorn.Server(_config(host, port, grace_seconds)).run()
        return
    # Bind once in the parent first so a taken port fails here, with one clear error.
    _listener(host, port).close()
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port, grace_seconds), name=f"nexus-worker-{i}")
        for i in range(workers)
    ]

    forwarded: set[int] = set()

    def forward(signum: int, _frame: FrameType | None) -> None:
        forwarded.add(signum)
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)

    for process in processes:
        process.start()
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for process in processes:
        process.join()
    # uvicorn re-raises the signal it stopped on once shut down, so a worker we told to
    # stop ends "killed by" that signal: a clean exit.
    clean = {0, *(-signum for signum in forwarded)}
    failed = [p.exitcode for p in processes if p.exitcode not in clean]
    if failed:
        raise SystemExit(f"nexus: a worker exited with status {failed[0]}")
