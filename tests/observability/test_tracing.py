"""Tracing (OTEL_EXPORTER_OTLP_ENDPOINT set), seen through an in-memory exporter: the span
tree of a compiled read, a resolver-path read, a mutation and a job."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.config import Settings
from nexus.db.engine import Database, create_engine
from nexus.db.migrations import upgrade
from tests.cli_process import cli_env
from tests.helpers import Api, committed_app
from tests.identity import IdentityProvider
from tests.worker.conftest import running_worker, save, wait_for_status
from tests.worker.pages import Answer, article_page, page_server

VIEWER = "query Viewer { viewer { user { uuid } } }"
CREATE = """mutation Create($input: CreateLibraryInput!) {
  createLibrary(input: $input) { library { id } }
}"""
# An endpoint nothing listens on: the provider installed below is used instead.
ENDPOINT = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's tracer provider, exporting to memory (a provider is set once)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return memory


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


@asynccontextmanager
async def traced_api(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine, **changes: object
) -> AsyncIterator[Api]:
    """The app with tracing on, over its own pools (reads on the read pool), committing."""
    settings = settings.model_copy(update={"otel_exporter_otlp_endpoint": ENDPOINT, **changes})
    async with committed_app(settings, identity, engine) as api:
        yield api


def tree(
    exporter: InMemorySpanExporter, root_name: str, request_id: str | None = None
) -> tuple[ReadableSpan, list[ReadableSpan]]:
    """The one span named `root_name` (of that request, when given: under the differential
    shadow a query is asked twice, the second time of a twin app) and its children."""
    finished = exporter.get_finished_spans()
    (root,) = [
        span
        for span in finished
        if span.name == root_name
        and (request_id is None or (span.attributes or {}).get("nexus.request_id") == request_id)
    ]
    assert root.context is not None
    children = [
        span
        for span in finished
        if span.parent is not None and span.parent.span_id == root.context.span_id
    ]
    return root, children


async def test_a_compiled_read_is_a_request_span_with_its_one_statement(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine, spans: InMemorySpanExporter
) -> None:
    async with traced_api(settings, identity, engine) as api:
        user = await api.new_user()
        spans.clear()
        response = await api.post(VIEWER, user=user)
    root, children = tree(spans, "query Viewer", response.headers["x-request-id"])
    assert root.parent is None
    assert root.attributes is not None
    assert root.attributes["nexus.request_id"] == response.headers["x-request-id"]
    assert root.attributes["nexus.read_path"] == "compiled"
    assert root.attributes["http.response.status_code"] == 200
    assert [child.name for child in children] == ["SQL"]


async def test_a_resolver_path_read_has_a_span_per_batch(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine, spans: InMemorySpanExporter
) -> None:
    async with traced_api(settings, identity, engine, nexus_compiled_reads=False) as api:
        user = await api.new_user()
        spans.clear()
        await api.data(VIEWER, user=user)
    root, children = tree(spans, "query Viewer")
    assert root.attributes is not None
    assert root.attributes["nexus.read_path"] == "resolver"
    assert root.attributes["nexus.statements"] == len(children) >= 1
    assert {child.name for child in children} == {"SQL"}


async def test_a_mutation_has_a_span_per_statement_of_its_transaction(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine, spans: InMemorySpanExporter
) -> None:
    async with traced_api(settings, identity, engine) as api:
        user = await api.new_user()
        spans.clear()
        await api.data(CREATE, {"input": {"name": "Traced"}}, user=user)
    root, children = tree(spans, "mutation Create")
    assert root.attributes is not None
    assert root.attributes["nexus.read_path"] == "resolver"
    assert root.attributes["nexus.statements"] == len(children) >= 1
    statements = " ".join(str((child.attributes or {})["db.statement"]) for child in children)
    assert "INSERT INTO libraries" in statements


async def test_a_job_is_a_span_with_its_media_id_and_statements(
    settings: Settings, create_database: object, spans: InMemorySpanExporter
) -> None:
    url: str = create_database("nexus_obs")  # type: ignore[operator]
    upgrade(url)
    database = Database(create_engine(url, pool_size=2))
    try:
        with page_server() as pages:
            pages.script["/a"] = [Answer(body=article_page("Traced Job"))]
            worker_settings = settings.model_copy(
                update={
                    "database_url": url,
                    "nexus_ingest_allow_hosts": pages.allow_hosts,
                    "otel_exporter_otlp_endpoint": ENDPOINT,
                }
            )
            media_id = await save(database, pages, "/a")
            async with running_worker(worker_settings, concurrency=1):
                await wait_for_status(database, media_id)
    finally:
        await database.dispose()
    jobs = [span for span in spans.get_finished_spans() if span.name == "job nexus.process_media"]
    assert len(jobs) == 1
    assert (jobs[0].attributes or {})["nexus.media_id"] == str(media_id)
    _root, children = tree(spans, "job nexus.process_media")
    assert len(children) >= 3  # start, complete: a transaction each


def test_without_an_endpoint_no_opentelemetry_module_is_loaded(
    database_url: str, tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from nexus.app import create_app\n"
        "from nexus.config import load_settings\n"
        "create_app(load_settings())\n"
        "print(sorted(name for name in sys.modules if name.startswith('opentelemetry')))\n"
    )
    env = cli_env(DATABASE_URL=database_url, NEXUS_ENV="local", NEXUS_STATE_DIR=str(tmp_path))
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
