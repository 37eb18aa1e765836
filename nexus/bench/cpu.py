"""`python -m nexus.bench.cpu`: the app's own CPU per request, in-process, for each read.

Builds the app from the environment (`DATABASE_URL` of a database holding data, such as
the yardstick's, `NEXUS_ENV=local`), drives it as an ASGI app with no server and no
network in between, one request at a time, and prints CPU time per request (the best of
three rounds). PostgreSQL's time is not in it. Less noisy than requests per second on a
shared machine, it is how this project measures what a change to the request path is
worth (README, Performance); `NEXUS_COMPILED_READS=false` measures the resolver path.

`--versus NAME=VALUE ...` builds a second app in the same process with those settings
changed (NEXUS_METRICS=true: the cost of metrics) and alternates rounds between the two:
a busy machine slows both alike, so the difference of each pair of rounds shows a few
microseconds that separate runs, 20 % apart on such a machine, cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import uvloop
from starlette.types import ASGIApp, Message

from nexus.app import create_app
from nexus.bench.throughput import QUERIES, read_requests
from nexus.config import Settings, load_settings

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


@asynccontextmanager
async def _running(app: ASGIApp) -> AsyncIterator[None]:
    startup: asyncio.Queue[Message] = asyncio.Queue()
    events: asyncio.Queue[Message] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    lifespan = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, events.put)
    )
    await events.get()
    try:
        yield
    finally:
        await startup.put({"type": "lifespan.shutdown"})
        await events.get()
        await lifespan


def _versus_settings(assignments: list[str]) -> Settings:
    """The environment's settings with `NAME=VALUE` assignments applied, as if exported."""
    saved = dict(os.environ)
    try:
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            os.environ[name] = value
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def _round(app: ASGIApp, pairs: list[tuple[bytes, dict[str, str]]], count: int) -> float:
    started = _cpu_seconds()
    for index in range(count):
        body, headers = pairs[index % len(pairs)]
        await _post(app, body, headers["Authorization"])
    return (_cpu_seconds() - started) / count


async def _measure(queries: list[str], count: int, rounds: int, versus: list[str]) -> None:
    settings = load_settings()
    requests = read_requests(settings.database_url or "", settings.nexus_state_dir)
    apps = [create_app(settings)]
    if versus:
        apps.append(create_app(_versus_settings(versus)))
    async with AsyncExitStack() as running:
        for app in apps:
            await running.enter_async_context(_running(app))
        for name in queries:
            pairs = list(zip(*requests[name], strict=True))
            for app in apps:
                for body, headers in pairs * 3:  # plans, prepared statements, caches
                    await _post(app, body, headers["Authorization"])
            seconds: list[list[float]] = [[] for _ in apps]
            for round_ in range(rounds):
                # A, B, then B, A: a drift of the machine's load weighs on both alike.
                for index in range(len(apps))[:: -1 if round_ % 2 else 1]:
                    seconds[index].append(await _round(apps[index], pairs, count))
            if not versus:
                print(f"{name}: {min(seconds[0]) * 1e6:,.0f} us of CPU per request", flush=True)
                continue
            best, best_other = (min(measured) * 1e6 for measured in seconds)
            median, median_other = (statistics.median(measured) * 1e6 for measured in seconds)
            differences = sorted((b - a) * 1e6 for a, b in zip(*seconds, strict=True))
            print(
                f"{name}: {best:,.0f} -> {best_other:,.0f} us of CPU per request with "
                f"{' '.join(versus)} ({best_other / best - 1:+.1%}; the best of {rounds} "
                f"alternated rounds each; medians {median:,.0f} -> {median_other:,.0f}, "
                f"differences of a pair of rounds {statistics.median(differences):+,.1f} us, "
                f"from {differences[0]:+,.1f} to {differences[-1]:+,.1f})",
                flush=True,
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nexus.bench.cpu", description=__doc__)
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated reads")
    parser.add_argument("--requests", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=3, help="the best counts (3)")
    parser.add_argument(
        "--versus",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="also an app with these settings, its rounds alternated with the first's",
    )
    args = parser.parse_args(argv)
    # The event loop `nexus serve` runs.
    uvloop.run(_measure(args.queries.split(","), args.requests, args.rounds, args.versus))


if __name__ == "__main__":
    main()
