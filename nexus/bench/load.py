"""`python -m nexus.bench.load` (`task load`): a load run against a real server.

Starts an embedded PostgreSQL (or uses --database-url, which must be empty), migrates
and seeds it, starts `nexus serve --workers 2`, then runs 64 concurrent clients for 60 s
of 80 % reads (the benchmark's shapes) and 20 % mutations by many users. It prints,
every 10 s and at the end, throughput, p50/p99 latency, errors and each worker's RSS,
then checks the domain invariants. Exit status 1 on any error other than the expected
typed ones (see `operations.EXPECTED_CODES`) or on a broken invariant.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from nexus.auth.local_keys import LocalSigningKey
from nexus.bench.dataset import Dataset, seed_dataset
from nexus.bench.operations import EXPECTED_CODES, Operation, draw_operation
from nexus.bench.server import ServeProcess, serving
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.engine import create_engine
from nexus.db.migrations import upgrade
from nexus.services.invariants import find_invariant_violations

__all__ = ["main"]


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    seconds: float
    name: str
    outcome: str


def _outcome(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = response.json()
    codes = ",".join(sorted({e["extensions"]["code"] for e in body.get("errors", [])}))
    if response.status_code != 200:
        return f"HTTP {response.status_code} {codes}", body
    return codes or "ok", body


def _remember(data: Dataset, operation: Operation, body: dict[str, Any]) -> None:
    if operation.note is None or body.get("errors"):
        return
    event, subject = operation.note
    if event == "created":
        data.owned[subject].append(UUID(body["data"]["createLibrary"]["library"]["uuid"]))
    elif subject in data.owned[operation.user]:
        data.owned[operation.user].remove(subject)


def _unexpected(outcome: str) -> bool:
    return outcome != "ok" and not set(outcome.split(",")) <= EXPECTED_CODES


def _window(samples: list[Sample], start: float, end: float) -> str:
    times = sorted(s.seconds for s in samples if start <= s.at < end)
    if not times:
        return "no requests"
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (
        f"{len(times) / (end - start):7.1f} req/s  p50 {statistics.median(times) * 1000:6.1f} ms"
        f"  p99 {p99 * 1000:7.1f} ms"
    )


async def _run(
    server: ServeProcess, data: Dataset, tokens: dict[UUID, str], args: argparse.Namespace
) -> list[Sample]:
    samples: list[Sample] = []
    started = time.monotonic()
    deadline = started + args.duration
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )

    async def client_loop(client: httpx.AsyncClient, rng: random.Random) -> None:
        while time.monotonic() < deadline:
            operation = draw_operation(rng, data, mutation_share=args.mutations)
            sent = time.monotonic()
            try:
                response = await client.post(
                    "/graphql",
                    json={"query": operation.query, "variables": operation.variables},
                    headers={"authorization": f"Bearer {tokens[operation.user]}"},
                )
                outcome, body = _outcome(response)
                _remember(data, operation, body)
            except httpx.HTTPError as error:
                outcome = f"transport {type(error).__name__}"
            done = time.monotonic()
            samples.append(Sample(done - started, done - sent, operation.name, outcome))

    async def reporter() -> None:
        for tick in range(args.report_every, args.duration + 1, args.report_every):
            await asyncio.sleep(max(0.0, started + tick - time.monotonic()))
            window = [s for s in samples if tick - args.report_every <= s.at < tick]
            errors = sum(_unexpected(s.outcome) for s in window)
            print(
                f"{tick:4d} s  {_window(samples, tick - args.report_every, tick)}"
                f"  unexpected errors {errors}  RSS MiB {server.rss_mib()}",
                flush=True,
            )

    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
        loops = [client_loop(client, random.Random(args.seed + i)) for i in range(args.concurrency)]  # noqa: S311
        await asyncio.gather(reporter(), *loops)
    return samples


async def _seed(url: str, args: argparse.Namespace) -> Dataset:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            return await seed_dataset(connection, user_count=args.users, media_count=args.media)
    finally:
        await engine.dispose()


async def _violations(url: str) -> object:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await find_invariant_violations(connection=connection)
    finally:
        await engine.dispose()


@contextmanager
def _database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    if args.database_url:
        yield args.database_url
        return
    server = EmbeddedPostgres(workdir / "pg", durable=False).start()
    try:
        yield server.url()
    finally:
        server.stop()


def _report(
    samples: list[Sample], duration: int, window: int, rss: tuple[list[float], list[float]]
) -> int:
    outcomes = Counter((s.name, s.outcome) for s in samples)
    unexpected = {key: n for key, n in outcomes.items() if _unexpected(key[1])}
    print(f"\n{len(samples)} requests in {duration} s: {_window(samples, 0, duration)}")
    print(f"first {window} s: {_window(samples, 0, window)}")
    print(f"last {window} s:  {_window(samples, duration - window, duration)}")
    print(f"RSS MiB per worker: start {rss[0]}  end {rss[1]}")
    for (name, outcome), count in sorted(outcomes.items()):
        print(f"  {name:13s} {outcome:40s} {count:7d}")
    print(f"unexpected errors: {sum(unexpected.values())}")
    return 1 if unexpected else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nexus.bench.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--concurrency", type=int, default=64, help="clients at once (default 64)")
    parser.add_argument("--workers", type=int, default=2, help="nexus serve workers (default 2)")
    parser.add_argument("--mutations", type=float, default=0.2, help="share of mutations (0.2)")
    parser.add_argument("--users", type=int, default=300, help="seeded users (default 300)")
    parser.add_argument("--media", type=int, default=3000, help="seeded media (default 3000)")
    parser.add_argument("--report-every", type=int, default=10, help="seconds between lines")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the clients")
    parser.add_argument("--database-url", help="an empty database instead of an embedded one")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="nexus-load-") as tmp,
        _database(args, Path(tmp)) as url,
    ):
        upgrade(url)
        data = asyncio.run(_seed(url, args))
        state_dir = Path(tmp) / "state"
        key = LocalSigningKey.load_or_create(state_dir)
        tokens = {user: key.mint(user, ttl_seconds=args.duration + 600) for user in data.users}
        print(f"seeded {len(data.users)} users, {len(data.media)} media", flush=True)
        with serving(url, state_dir, workers=args.workers) as server:
            rss_start = server.rss_mib()
            print(f"RSS MiB per worker at start: {rss_start}", flush=True)
            samples = asyncio.run(_run(server, data, tokens, args))
            rss_end = server.rss_mib()
        status = _report(samples, args.duration, args.report_every, (rss_start, rss_end))
        violations = asyncio.run(_violations(url))
        print(f"invariants: {'broken: ' + repr(violations) if violations else 'hold'}")
    sys.exit(1 if status or violations else 0)


if __name__ == "__main__":
    main()
