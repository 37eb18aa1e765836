"""`python -m nexus.bench.cpu`: the app's own CPU per request, in-process, for each read.

Builds the app from the environment (`DATABASE_URL` of a database holding data, such as
the yardstick's, `NEXUS_ENV=local`), drives it as an ASGI app with no server and no
network in between, one request at a time, and prints CPU time per request (the best of
three rounds). PostgreSQL's time is not in it. Less noisy than requests per second on a
shared machine, it is how this project measures what a change to the request path is
worth (README, Performance); `NEXUS_COMPILED_READS=false` measures the resolver path.
"""

from __future__ import annotations

import argparse
import asyncio
import resource

import uvloop
from starlette.types import ASGIApp, Message

from nexus.app import create_app
from nexus.bench.throughput import QUERIES, read_requests
from nexus.config import load_settings

__all__ = ["main"]

_ACCEPT = b"application/graphql-response+json, application/json;q=0.9"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _post(app: ASGIApp, body: bytes, authorization: str) -> bytes:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"content-type", b"application/json"),
        (b"accept", _ACCEPT),
        (b"authorization", authorization.encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)
    response: bytes = sent[-1]["body"]
    if sent[0]["status"] != 200 or b'"errors":' in response:
        raise RuntimeError(f"{sent[0]['status']}: {response[:300]!r}")
    return response


async def _measure(queries: list[str], count: int) -> None:
    settings = load_settings()
    requests = read_requests(settings.database_url or "", settings.nexus_state_dir)
    app = create_app(settings)
    startup: asyncio.Queue[Message] = asyncio.Queue()
    events: asyncio.Queue[Message] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    lifespan = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, events.put)
    )
    await events.get()
    try:
        for name in queries:
            pairs = list(zip(*requests[name], strict=True))
            for body, headers in pairs * 3:  # plans, prepared statements, caches
                await _post(app, body, headers["Authorization"])
            best = float("inf")
            for _ in range(3):
                started = _cpu_seconds()
                for index in range(count):
                    body, headers = pairs[index % len(pairs)]
                    await _post(app, body, headers["Authorization"])
                best = min(best, (_cpu_seconds() - started) / count)
            print(f"{name}: {best * 1e6:,.0f} us of CPU per request", flush=True)
    finally:
        await startup.put({"type": "lifespan.shutdown"})
        await events.get()
        await lifespan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nexus.bench.cpu", description=__doc__)
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated reads")
    parser.add_argument("--requests", type=int, default=300, help="per round (3 rounds)")
    args = parser.parse_args(argv)
    # The event loop `nexus serve` runs.
    uvloop.run(_measure(args.queries.split(","), args.requests))


if __name__ == "__main__":
    main()
