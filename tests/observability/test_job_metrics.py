"""The worker's /metrics on its health port: jobs by task and outcome, their durations,
and the queue's backlog (queued, running, the oldest queued job's age) at scrape time."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nexus.db.engine import Database, create_engine
from tests.cli_process import free_port
from tests.observability.conftest import start_worker, status_becomes
from tests.observability.scrape import Samples, samples, value
from tests.worker.conftest import save, wait_for_status
from tests.worker.pages import Answer, article_page, page_server

TASK = "nexus.process_media"


@pytest.fixture
async def own_db(own_db_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(own_db_url, pool_size=2))
    yield database
    await database.dispose()


async def scrape(port: int) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return samples(response.text)


async def test_jobs_and_the_backlog_are_exposed_on_the_health_port(
    own_db: Database, own_db_url: str, tmp_path: Path
) -> None:
    hold = threading.Event()
    port = free_port()
    with page_server() as pages:
        pages.script["/held"] = [Answer(body=article_page("Held"), release=hold)]
        pages.script["/next"] = [Answer(body=article_page("Next"))]
        pages.script["/flaky"] = [Answer(status=503), Answer(body=article_page("Flaky"))]
        worker = start_worker(
            own_db_url,
            port,
            tmp_path,
            NEXUS_INGEST_ALLOW_HOSTS=pages.allow_hosts,
            NEXUS_INGEST_RETRY_BASE_SECONDS="0.2",
        )
        try:
            await status_becomes(f"http://127.0.0.1:{port}/health", 200, seconds=60)
            held = await save(own_db, pages, "/held")
            await asyncio.to_thread(pages.wait_for_hits, "/held", 1)
            waiting = await save(own_db, pages, "/next")
            await asyncio.sleep(1.1)  # the queued job has waited a second
            busy = await scrape(port)
            hold.set()
            flaky = await save(own_db, pages, "/flaky")
            for media_id in (held, waiting, flaky):
                assert (await wait_for_status(own_db, media_id)).status == "ready_for_reading"
            done = await scrape(port)
        finally:
            hold.set()
            worker.send_signal(signal.SIGTERM)
            await asyncio.to_thread(worker.wait, 30)

    assert value(busy, "nexus_queue_jobs", task=TASK, status="doing") == 1
    assert value(busy, "nexus_queue_jobs", task=TASK, status="todo") == 1
    assert value(busy, "nexus_queue_oldest_job_age_seconds") >= 1
    assert value(busy, "nexus_jobs_running", task=TASK) == 1

    assert value(done, "nexus_jobs_total", task=TASK, outcome="succeeded") == 3
    assert value(done, "nexus_jobs_total", task=TASK, outcome="retried") == 1
    assert value(done, "nexus_jobs_total", task=TASK, outcome="failed") == 0
    assert value(done, "nexus_job_duration_seconds_count", task=TASK) == 4
    assert value(done, "nexus_jobs_running", task=TASK) == 0
    assert value(done, "nexus_queue_jobs", task=TASK, status="todo") == 0
    assert value(done, "nexus_queue_oldest_job_age_seconds") == 0
