"""`nexus serve`: uvicorn workers, each with its own SO_REUSEPORT listener.

`uvicorn --workers N` shares one listening socket, and the kernel then hands keep-alive
connections to whichever worker wakes first: 16 benchmark connections split 1/15 and
13/3. With one SO_REUSEPORT socket per worker the kernel hashes connections across the
listeners evenly. With several workers the process becomes `nexus.supervisor`, which
starts each worker as `python -m nexus.serve HOST PORT GRACE`. `nexus dev` runs the same
server (`serve_dev`), in uvicorn's reloader's child process when it reloads.
"""

from __future__ import annotations

import os
import socket
import sys

import uvicorn
from uvicorn.supervisors import ChangeReload

from nexus.app.websocket import close_all
from nexus.supervisor import listener

__all__ = ["serve", "serve_dev"]

APP = "nexus.app:app"


def _config(
    host: str, port: int, grace_seconds: int, reload_dirs: list[str] | None = None
) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        host=host,
        port=port,
        reload=reload_dirs is not None,
        reload_dirs=reload_dirs,
        log_config=None,
        access_log=False,
        # libuv's event loop and the C HTTP parser: less CPU per request than asyncio's
        # loop and h11, the pure-Python parser uvicorn falls back to.
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=grace_seconds,
        # A WebSocket message is a GraphQL request: the HTTP body's limit (uvicorn: 16 MiB).
        ws_max_size=1024 * 1024,
        # No permessage-deflate, which browsers offer: its zlib state took 72.7 KiB per
        # idle subscribed connection instead of 30 (nexus.bench.subscriptions
        # --compression), for messages of a few hundred bytes.
        ws_per_message_deflate=False,
    )


class _Server(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # WebSockets first, closed with 1001 (going away): uvicorn's own close says 1012.
        await close_all()
        await super().shutdown(sockets)


def serve(host: str, port: int, *, workers: int = 1, grace_seconds: int = 10) -> None:
    """Serve until SIGTERM/SIGINT; with several workers, one listener per worker."""
    if workers == 1:
        _Server(_config(host, port, grace_seconds)).run()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    arguments = [host, str(port), str(workers), str(grace_seconds)]
    os.execv(sys.executable, [sys.executable, "-m", "nexus.supervisor", *arguments])  # noqa: S606


def serve_dev(host: str, port: int, *, reload_dirs: list[str] | None, grace_seconds: int) -> None:
    """`nexus dev`'s server until SIGTERM/SIGINT; restarted on changes in `reload_dirs`
    when given (uvicorn's reloader, which stops its child with SIGTERM)."""
    config = _config(host, port, grace_seconds, reload_dirs)
    server = _Server(config)
    if reload_dirs is None:
        server.run()
        return
    # What uvicorn.run does, but the child runs our server, so its sockets close with 1001.
    ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()


def _worker(host: str, port: int, grace_seconds: int) -> None:
    sock = listener(host, port)
    _Server(_config(host, port, grace_seconds)).run(sockets=[sock])


if __name__ == "__main__":
    _worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
