"""Automatic persisted queries (Apollo's protocol) over GET and POST, in memory and Redis."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.app.persisted_queries import MemoryPersistedQueries
from nexus.config import Settings
from nexus.db.engine import Database
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

GRAPHQL_JSON = "application/graphql-response+json"
REDIS_URL = "redis://127.0.0.1:6379/0"


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}


def unique_query() -> str:
    # A comment makes the text, and so the hash, new to every store (Redis outlives tests).
    return f"# {uuid4()}\n{{ viewer {{ user {{ uuid }} }} }}"


async def post(
    api: Api, body: dict[str, Any], *, accept: str | None = None, user: object = None
) -> httpx.Response:
    headers = api.headers(user or uuid4())  # type: ignore[arg-type]
    if accept:
        headers["accept"] = accept
    return await api.http.post("/graphql", json=body, headers=headers)


async def get(api: Api, params: dict[str, Any], *, accept: str | None = None) -> httpx.Response:
    headers = api.headers(uuid4())
    if accept:
        headers["accept"] = accept
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.http.get("/graphql", params=encoded, headers=headers)


def assert_not_found(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND", "status": 400},
            }
        ]
    }


async def test_unknown_hash_is_not_found_200_under_json(api: Api) -> None:
    response = await post(api, {"extensions": persisted(unique_query())})
    assert response.headers["content-type"].startswith("application/json")
    assert_not_found(response, 200)


async def test_unknown_hash_is_not_found_400_under_graphql_response_json(api: Api) -> None:
    response = await get(api, {"extensions": persisted(unique_query())}, accept=GRAPHQL_JSON)
    assert response.headers["content-type"].startswith(GRAPHQL_JSON)
    assert_not_found(response, 400)


async def test_registered_hash_works_over_get_and_post(api: Api) -> None:
    query = unique_query()
    user = uuid4()
    registered = await post(api, {"query": query, "extensions": persisted(query)}, user=user)
    assert registered.json()["data"] == {"viewer": {"user": {"uuid": str(user)}}}

    by_get = await get(api, {"extensions": persisted(query)}, accept=GRAPHQL_JSON)
    assert by_get.status_code == 200
    assert set(by_get.json()["data"]["viewer"]["user"]) == {"uuid"}
    by_post = await post(api, {"extensions": persisted(query)}, user=user)
    assert by_post.json()["data"] == registered.json()["data"]


async def test_hash_of_another_query_is_refused(api: Api) -> None:
    query = unique_query()
    body = {"query": query, "extensions": persisted(query + " ")}
    response = await post(api, body, accept=GRAPHQL_JSON)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    assert "SHA-256" in error["message"]
    # Nothing was registered under the wrong hash.
    assert_not_found(await post(api, {"extensions": persisted(query + " ")}), 200)


@pytest.mark.parametrize("accept", [None, GRAPHQL_JSON])
@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "v1",
    ],
)
async def test_malformed_persisted_query_is_400_whatever_the_media_type(
    api: Api, extension: object, accept: str | None
) -> None:
    # A malformed `extensions` parameter: not a well-formed GraphQL-over-HTTP request.
    response = await post(api, {"extensions": {"persistedQuery": extension}}, accept=accept)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "E_INVALID_REQUEST"


async def test_lookup_needs_authentication(api: Api) -> None:
    body = {"extensions": persisted(unique_query())}
    response = await api.http.post("/graphql", json=body)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "E_UNAUTHENTICATED"


async def test_persisted_mutation_over_get_is_405(probe_api: Api) -> None:
    mutation = "mutation Touch { touch }"
    registered = await post(probe_api, {"query": mutation, "extensions": persisted(mutation)})
    assert registered.json()["data"] == {"touch": True}
    response = await get(probe_api, {"extensions": persisted(mutation)})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_memory_store_drops_least_recently_used_by_count_and_size() -> None:
    store = MemoryPersistedQueries(max_entries=2, max_chars=10)
    await store.put("a", "aaaa")
    await store.put("b", "bbbb")
    assert await store.get("a") == "aaaa"  # now b is the least recently used
    await store.put("c", "cc")
    assert await store.get("b") is None
    await store.put("d", "dddddddd")  # 4 + 2 + 8 chars > 10: a, the oldest, goes
    assert await store.get("c") == "cc"
    assert await store.get("a") is None
    await store.put("huge", "x" * 11)
    assert await store.get("huge") is None


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@asynccontextmanager
async def app_with_redis(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, url: str
) -> AsyncIterator[Api]:
    app = create_app(
        settings.model_copy(update={"nexus_redis_url": url}),
        database=Database.pinned_to(connection),
    )
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


async def test_redis_store_is_shared_between_processes(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    if not redis_answers():
        pytest.skip("no Redis answers at 127.0.0.1:6379")
    query = unique_query()
    async with app_with_redis(settings, connection, identity, REDIS_URL) as first:
        registered = await post(first, {"query": query, "extensions": persisted(query)})
        assert "data" in registered.json()
    async with app_with_redis(settings, connection, identity, REDIS_URL) as second:
        response = await get(second, {"extensions": persisted(query)})
        assert response.status_code == 200
        assert "data" in response.json(), response.text


async def test_unreachable_redis_degrades_to_not_found(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    query = unique_query()
    async with app_with_redis(settings, connection, identity, f"redis://127.0.0.1:{port}") as api:
        assert_not_found(await post(api, {"extensions": persisted(query)}), 200)
        response = await post(api, {"query": query, "extensions": persisted(query)})
        assert "data" in response.json(), response.text
