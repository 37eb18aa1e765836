"""GET /metrics of the API: each family with its labels after requests of each kind, and
where it is served (on, off, on a port of its own)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Environment, Settings
from nexus.db.engine import Database
from nexus.observability.realtime_events import note_fanned_out
from tests.cli_process import free_port
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider
from tests.observability.scrape import Samples, delta, labelled, samples, value

VIEWER = "{ viewer { user { uuid } } }"
# Introspection is not compiled: the compiled path hands it to the resolver path.
INTROSPECTION = "{ __schema { queryType { name } } viewer { user { uuid } } }"
CREATE_LIBRARY = (
    "mutation($input: CreateLibraryInput!) { createLibrary(input: $input) { library { id } } }"
)
REQUESTS = "nexus_graphql_requests_total"
SECONDS = "nexus_graphql_request_duration_seconds_count"
STATEMENTS_SUM = "nexus_graphql_statements_per_request_sum"
STATEMENTS_COUNT = "nexus_graphql_statements_per_request_count"
STATEMENTS_BUCKET = "nexus_graphql_statements_per_request_bucket"


async def scrape(api: Api) -> Samples:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def test_requests_are_counted_by_operation_path_and_status(api: Api) -> None:
    user = await api.new_user()
    before = await scrape(api)
    for _ in range(3):
        await api.data(VIEWER, user=user)
    await api.data(INTROSPECTION, user=user)
    await api.data(CREATE_LIBRARY, {"input": {"name": "Counted"}}, user=user)
    assert (await api.post(VIEWER, user=None)).status_code == 401
    after = await scrape(api)

    compiled = {"operation": "query", "path": "compiled"}
    assert delta(before, after, REQUESTS, **compiled, code="200") == 3
    assert delta(before, after, SECONDS, **compiled) == 3
    fallback = {"operation": "query", "path": "fallback"}
    assert delta(before, after, REQUESTS, **fallback, code="200") == 1
    mutation = {"operation": "mutation", "path": "resolver"}
    assert delta(before, after, REQUESTS, **mutation, code="200") == 1
    assert delta(before, after, REQUESTS, operation="none", path="none", code="401") == 1
    # A known viewer's compiled read is one statement; the mutation takes several.
    assert delta(before, after, STATEMENTS_COUNT, path="compiled") == 3
    assert delta(before, after, STATEMENTS_SUM, path="compiled") == 3
    assert delta(before, after, STATEMENTS_SUM, path="resolver") >= 2
    # Tallied into the buckets observe() picks: a bucket's bound is inclusive.
    assert delta(before, after, STATEMENTS_BUCKET, path="compiled", le="0.0") == 0
    assert delta(before, after, STATEMENTS_BUCKET, path="compiled", le="1.0") == 3


async def test_the_resolver_path_is_labelled_resolver_when_compiled_reads_are_off(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    settings = settings.model_copy(update={"nexus_compiled_reads": False})
    app = create_app(settings, database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as api:
        user = await api.new_user()
        before = await scrape(api)
        await api.data(VIEWER, user=user)
        after = await scrape(api)
    labels = {"operation": "query", "path": "resolver"}
    assert delta(before, after, REQUESTS, **labels, code="200") == 1
    assert delta(before, after, STATEMENTS_SUM, path="resolver") == 1


async def test_pools_caches_and_subscriptions_are_exposed(committed_api: Api) -> None:
    user = await committed_api.new_user()
    before = await scrape(committed_api)
    for _ in range(2):
        await committed_api.data(VIEWER, user=user)
    after = await scrape(committed_api)

    states = labelled(after, "nexus_db_pool_connections")
    for pool in ("read", "transaction"):
        for state in ("in_use", "idle", "waiting"):
            assert {"pool": pool, "state": state} in states
    # Between requests every connection is back in its pool.
    assert value(after, "nexus_db_pool_connections", pool="read", state="in_use") == 0
    assert value(after, "nexus_db_pool_connections", pool="read", state="idle") >= 1
    # On the read pool's own connections too, a compiled read is one statement.
    assert delta(before, after, STATEMENTS_SUM, path="compiled") == 2
    lookups = "nexus_cache_lookups_total"
    assert delta(before, after, lookups, cache="document", result="hit") == 2
    assert delta(before, after, lookups, cache="plan", result="hit") == 2
    assert value(after, lookups, cache="plan", result="miss") >= 1
    assert ("nexus_websocket_connections", frozenset()) in after
    assert ("nexus_subscriptions_active", frozenset()) in after


async def test_events_the_fan_out_notes_are_counted(api: Api) -> None:
    before = await scrape(api)
    note_fanned_out(3)
    after = await scrape(api)
    assert delta(before, after, "nexus_realtime_events_fanned_out_total") == 3


async def test_metrics_are_off_by_default_in_staging_and_prod(settings: Settings) -> None:
    for environment in (Environment.STAGING, Environment.PROD):
        deployed = settings.model_copy(update={"nexus_env": environment})
        assert not deployed.metrics_enabled
        assert deployed.model_copy(update={"nexus_metrics": True}).metrics_enabled


async def test_metrics_off_is_404(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    settings = settings.model_copy(update={"nexus_metrics": False})
    app = create_app(settings, database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as api:
        assert (await api.http.get("/metrics")).status_code == 404


async def test_a_metrics_port_serves_them_there_and_not_on_the_api(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    port = free_port()
    settings = settings.model_copy(update={"nexus_metrics_port": port})
    app = create_app(settings, database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as api:
        assert (await api.http.get("/metrics")).status_code == 404
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status_code == 200
            assert "nexus_graphql_requests" in response.text
            assert (await client.get(f"http://127.0.0.1:{port}/graphql")).status_code == 404
