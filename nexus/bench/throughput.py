"""`python -m nexus.bench` (`task bench`): requests per second of the benchmark reads.

Seeds an embedded PostgreSQL (or an empty --database-url) at a chosen scale, serves it with
`nexus serve --workers N`, and drives each query from a separate process (wrk when it is
installed, else `nexus.bench.driver`) at a fixed concurrency, cycling over the heaviest
viewers (most libraries). Per query it prints and writes as JSON: requests/s, p50 and p99
latency, errors, SQL statements per request (PostgreSQL's own log with `log_statement =
all` during a few requests; embedded database only) and the workers' peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg

from nexus.auth.local_keys import LocalSigningKey
from nexus.bench.dataset import seed_dataset
from nexus.bench.operations import DEEP, LIBRARY_LIST, LIBRARY_PAGE, READER, READER_HIGHLIGHTS
from nexus.bench.server import ServeProcess, serving
from nexus.bench.wrk import WRK, run_wrk
from nexus.db.embedded import EmbeddedPostgres
from nexus.db.engine import create_engine
from nexus.db.migrations import upgrade

__all__ = ["QUERIES", "main", "read_requests", "seed_database"]

QUERIES = {
    "library_list": LIBRARY_LIST,
    "library_page": LIBRARY_PAGE,
    "reader": READER,
    "reader_highlights": READER_HIGHLIGHTS,
    "deep": DEEP,
}
VIEWERS = 8

# The heaviest viewers, their default library, and the media of their default library
# with the most fragments (of those, one the viewer highlighted, when there is one: the
# reader and the reader with highlights read the same media item).
_PARAMETERS = """
WITH heavy AS (
  SELECT user_id, count(*) AS n FROM memberships GROUP BY user_id
  ORDER BY n DESC, user_id LIMIT %(viewers)s
)
SELECT h.user_id, l.id,
  (SELECT f.media_id FROM library_media lm JOIN fragments f ON f.media_id = lm.media_id
   LEFT JOIN highlights hl ON hl.fragment_id = f.id AND hl.author_user_id = h.user_id
   WHERE lm.library_id = l.id GROUP BY f.media_id
   ORDER BY count(DISTINCT f.id) DESC, count(hl.id) > 0 DESC, f.media_id LIMIT 1)
FROM heavy h JOIN libraries l ON l.owner_user_id = h.user_id AND l.is_default
ORDER BY h.n DESC, h.user_id
"""


_ACTIVE = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"


def _gid(type_name: str, value: UUID) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def read_requests(url: str, state_dir: Path) -> dict[str, tuple[list[bytes], list[dict[str, str]]]]:
    """Per read, the request bodies and Authorization headers of the heaviest viewers
    (tokens signed by the local key in `state_dir`)."""
    with psycopg.connect(_libpq(url)) as connection:
        rows = connection.execute(_PARAMETERS, {"viewers": VIEWERS}).fetchall()
    key = LocalSigningKey.load_or_create(state_dir)
    requests: dict[str, tuple[list[bytes], list[dict[str, str]]]] = {}
    for name, query in QUERIES.items():
        bodies, headers = [], []
        for viewer, library, media in rows:
            variables = {"library": _gid("Library", library), "media": _gid("Media", media)}
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            bodies.append(json.dumps({"query": query, "variables": used}).encode())
            headers.append({"Authorization": f"Bearer {key.mint(viewer, 6 * 3600)}"})
        requests[name] = (bodies, headers)
    return requests


def _check(url: str, bodies: list[bytes], headers: list[dict[str, str]]) -> None:
    """Every distinct request once: a broken query must fail here, not be measured."""
    with httpx.Client(timeout=60) as client:
        for body, extra in zip(bodies, headers, strict=True):
            response = client.post(
                url, content=body, headers={"content-type": "application/json", **extra}
            )
            if response.status_code != 200 or b'"errors":' in response.content:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")


def _count_statements(
    database_url: str, log: Path | None, graphql_url: str, request: tuple[list[bytes], Any]
) -> float | None:
    if log is None:
        return None
    with psycopg.connect(_libpq(database_url), autocommit=True) as admin:
        # Requests still in flight from the warm-up must not be counted.
        for _ in range(600):
            if admin.execute(_ACTIVE).fetchone() == (0,):
                break
            time.sleep(0.1)
        admin.execute("ALTER SYSTEM SET log_statement = 'all'")
        admin.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        start = log.stat().st_size
        try:
            _check(graphql_url, *request)
            time.sleep(0.5)
        finally:
            admin.execute("ALTER SYSTEM RESET log_statement")
            admin.execute("SELECT pg_reload_conf()")
    with log.open("rb") as stream:
        stream.seek(start)
        lines = stream.read().decode(errors="replace").splitlines()
    logged = [line for line in lines if "LOG:  statement: " in line or "LOG:  execute " in line]
    counted = [
        line for line in logged if "pg_reload_conf" not in line and "ALTER SYSTEM" not in line
    ]
    return round(len(counted) / len(request[0]), 2)


def _drive(
    url: str, bodies: list[bytes], headers: list[dict[str, str]], concurrency: int, seconds: int
) -> dict[str, Any]:
    if WRK is not None:
        return run_wrk(url, bodies, headers, concurrency=concurrency, seconds=seconds)
    run = {
        "url": url,
        "bodies": [body.decode() for body in bodies],
        "headers": headers,
        "concurrency": concurrency,
        "seconds": seconds,
    }
    out = subprocess.run(
        [sys.executable, "-m", "nexus.bench.driver"],
        input=json.dumps(run),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def _peak_rss_mib(server: ServeProcess) -> float:
    """The sum over the workers of each one's peak resident memory (VmHWM)."""
    total = 0
    for pid in server.worker_pids():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


async def seed_database(url: str, scale: float) -> None:
    """Seed a migrated, empty database at `scale` (1: 1,000 users, 10,000 media) and analyze it."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await seed_dataset(
                connection, user_count=int(1000 * scale), media_count=int(10_000 * scale)
            )
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        await engine.dispose()


@contextmanager
def _database(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[str, Path | None]]:
    if args.database_url:
        yield args.database_url, None
        return
    server = EmbeddedPostgres(workdir / "pg", durable=False).start()
    try:
        yield server.url(), server.data_dir / "postgres.log"
    finally:
        server.stop()


def _run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with _database(args, workdir) as (url, log):
        upgrade(url)
        started = time.monotonic()
        asyncio.run(seed_database(url, args.scale))
        print(f"seeded scale {args.scale} in {time.monotonic() - started:.0f} s", flush=True)
        state_dir = workdir / "state"
        requests = read_requests(url, state_dir)
        results: dict[str, Any] = {}
        compiled = {"NEXUS_COMPILED_READS": str(args.compiled_reads).lower()}
        with serving(url, state_dir, workers=args.workers, settings=compiled) as server:
            graphql_url = f"{server.url}/graphql"
            for name in args.queries.split(","):
                bodies, headers = requests[name]
                _check(graphql_url, bodies, headers)
                # Warm every worker (its identity cache, its prepared statements) first.
                _drive(graphql_url, bodies, headers, args.concurrency, args.warmup)
                statements = _count_statements(url, log, graphql_url, requests[name])
                run = _drive(graphql_url, bodies, headers, args.concurrency, args.duration)
                result = {
                    "requests_per_second": round(run["requests"] / run["seconds"], 1),
                    "p50_ms": round(run["p50_ms"], 2),
                    "p99_ms": round(run["p99_ms"], 2),
                    "errors": run["errors"] + run["socket_errors"],
                    "statements_per_request": statements,
                    "peak_rss_mib": _peak_rss_mib(server),
                }
                results[name] = result
                print(f"{name:13s} {_line(result)}", flush=True)
    return results


def _line(result: dict[str, Any]) -> str:
    return (
        f"{result['requests_per_second']:8.1f} req/s  p50 {result['p50_ms']:8.2f} ms  "
        f"p99 {result['p99_ms']:8.2f} ms  errors {result['errors']}  "
        f"SQL/req {result['statements_per_request']}  peak RSS {result['peak_rss_mib']} MiB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nexus.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000 users, 10,000 media")
    parser.add_argument("--workers", type=int, default=2, help="nexus serve workers (2)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per query")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per query (3)")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma separated")
    parser.add_argument(
        "--compiled-reads",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="answer reads with one compiled statement (default); off: the resolver path",
    )
    parser.add_argument("--database-url", help="an empty database instead of an embedded one")
    parser.add_argument("--json-out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nexus-bench-") as tmp:
        results = _run(args, Path(tmp))
    report = {
        "settings": {k: v for k, v in vars(args).items() if k not in ("json_out", "database_url")},
        "driver": "wrk" if WRK else "nexus.bench.driver",
        "results": results,
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json_out}")
