"""`python -m nexus.bench.ingest [--pages DIR] [--concurrency N] [--processes P]`: saving by
URL end to end.

Serves the benchmark's pages (`*.html.gz`, decompressed, as text/html; utf-8) from a
loopback server, runs `nexus serve` and `nexus worker --concurrency N --processes P` on a
throwaway database (a new one on DATABASE_URL's server, else an embedded PostgreSQL),
saves every page through GraphQL as the local dev user, and waits until each is
READY_FOR_READING or FAILED. Prints the end-to-end pages/s beside the in-process rate of
the same pipeline (`build_article` over the same bytes in this process, one page at a
time, no queue, fetch or database), their ratio, the failures, and the worker's peak
RSS (the sum of VmHWM over its process tree: itself and its pipeline processes).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import make_url

from nexus.auth.local_keys import DEV_USER_ID, LocalSigningKey
from nexus.bench.ingest_pages import serving_pages
from nexus.bench.process_tree import ProcessTree
from nexus.bench.server import serving
from nexus.config import normalize_database_url
from nexus.db.migrations import upgrade
from nexus.ingest.errors import IngestError
from nexus.ingest.pipeline import build_article
from nexus.queue.app import libpq_url

__all__ = ["main"]

DEFAULT_PAGES = Path("/work/shared/extraction/pages")
WORKER = [sys.executable, "-m", "nexus", "worker"]
SAVE = """mutation Save($url: String!) {
  addMediaFromUrl(input: {url: $url}) { created media { id processingStatus } }
}"""
PROGRESS = """SELECT processing_status, processing_error_code, count(*) FROM media
WHERE created_by_user_id = %s GROUP BY 1, 2"""


def load_pages(pages_dir: Path) -> dict[str, bytes]:
    """Each `*.html.gz` page, decompressed, by file name (served as `/<name>.html`)."""
    return {
        path.name.removesuffix(".html.gz"): gzip.decompress(path.read_bytes())
        for path in sorted(pages_dir.glob("*.html.gz"))
    }


def in_process_rate(pages: dict[str, bytes]) -> float:
    """Pages per second of the pipeline alone, after one page to warm it up."""
    first = next(iter(pages.values()))
    build_article(first, url="http://127.0.0.1/warm-up", content_type="text/html; charset=utf-8")
    started = time.perf_counter()
    for name, body in pages.items():
        try:
            build_article(body, url=f"http://127.0.0.1/{name}.html", content_type="text/html")
        except IngestError:
            continue
    return len(pages) / (time.perf_counter() - started)


@contextmanager
def throwaway_database(workdir: Path) -> Iterator[str]:
    if not os.environ.get("DATABASE_URL"):
        from nexus.db.embedded import EmbeddedPostgres  # noqa: PLC0415 - only when needed

        server = EmbeddedPostgres(workdir / "pg", durable=False).start()
        try:
            yield server.url()
        finally:
            server.stop()
        return
    server_url = normalize_database_url(os.environ["DATABASE_URL"])
    name = f"nexus_bench_ingest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def worker_process(
    database_url: str, state_dir: Path, settings: dict[str, str], concurrency: int, processes: int
) -> Iterator[subprocess.Popen[bytes]]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "NEXUS_ENV": "local",
        "NEXUS_STATE_DIR": str(state_dir),
        "DATABASE_URL": database_url,
        "NEXUS_LOG_FORMAT": "json",
        **settings,
    }
    with (state_dir / "worker.log").open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [*WORKER, "--concurrency", str(concurrency), "--processes", str(processes)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    log = state_dir / "worker.log"
    try:
        deadline = time.monotonic() + 120
        while "Starting worker on queues" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nexus worker did not start; see {log}")
            time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def save_all(api_url: str, token: str, urls: list[str], parallel: int = 8) -> None:
    gate = asyncio.Semaphore(parallel)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as client:

        async def save(url: str) -> None:
            async with gate:
                response = await client.post(
                    "/graphql", json={"query": SAVE, "variables": {"url": url}}
                )
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"saving {url}: {response.status_code} {body}")

        await asyncio.gather(*(save(url) for url in urls))


def wait_until_processed(database_url: str, count: int, worker: ProcessTree) -> Counter[str]:
    """Outcomes (`ready_for_reading`, `failed E_…`) once all `count` saves are final."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        deadline = time.monotonic() + 60 + count * 5
        while time.monotonic() < deadline:
            worker.sample()
            rows = connection.execute(PROGRESS, (DEV_USER_ID,)).fetchall()
            outcomes = Counter({f"{status} {code or ''}".strip(): n for status, code, n in rows})
            final = sum(n for key, n in outcomes.items() if key.startswith(("ready", "failed")))
            if final == count:
                return outcomes
            time.sleep(0.2)
    raise RuntimeError(f"not every page was processed in time: {outcomes}")


def run(pages_dir: Path, concurrency: int, processes: int, workdir: Path) -> list[str]:
    pages = load_pages(pages_dir)
    if not pages:
        raise SystemExit(f"no *.html.gz pages in {pages_dir}")
    alone = in_process_rate(pages)
    state_dir = workdir / "state"
    token = LocalSigningKey.load_or_create(state_dir).mint(DEV_USER_ID, 3600)
    with serving_pages(pages) as page_port, throwaway_database(workdir) as database_url:
        upgrade(database_url)
        settings = {
            "NEXUS_INGEST_ALLOW_HOSTS": f"127.0.0.1:{page_port}",
            "NEXUS_INGEST_MAX_ACTIVE": str(len(pages) + 1),
        }
        with (
            serving(database_url, state_dir, workers=1, settings=settings) as api,
            worker_process(database_url, state_dir, settings, concurrency, processes) as worker,
        ):
            tree = ProcessTree(worker.pid)
            urls = [f"http://127.0.0.1:{page_port}/{name}.html" for name in pages]
            started = time.perf_counter()
            asyncio.run(save_all(api.url, token, urls))
            outcomes = wait_until_processed(database_url, len(pages), tree)
            elapsed = time.perf_counter() - started
    end_to_end = len(pages) / elapsed
    return [
        f"pages: {len(pages)} from {pages_dir}",
        f"in-process pipeline: {alone:.2f} pages/s",
        f"end to end (serve + worker --concurrency {concurrency} --processes {processes}): "
        f"{end_to_end:.2f} pages/s "
        f"({elapsed:.1f} s)",
        f"ratio: {end_to_end / alone:.2f} (target >= 0.65)",
        "outcomes: " + ", ".join(f"{key} {n}" for key, n in sorted(outcomes.items())),
        f"worker peak RSS (target <= 250 MiB): {tree.describe()}",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="folder of *.html.gz")
    parser.add_argument("--concurrency", type=int, default=4, help="the worker's (default 4)")
    parser.add_argument("--processes", type=int, default=1, help="the worker's (default 1)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nexus-bench-ingest-") as workdir:
        for line in run(args.pages, args.concurrency, args.processes, Path(workdir)):
            print(line, flush=True)


if __name__ == "__main__":
    main()
