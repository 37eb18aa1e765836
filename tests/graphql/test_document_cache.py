"""The cache of parsed and validated documents: what it answers from memory, and what it
may hold. Memory is measured in-process around requests sent through the ASGI app."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from uuid import uuid4

import pytest
from graphql import DocumentNode, parse, validate
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from nexus.graphql.document_cache import DocumentCache, document_bytes
from nexus.graphql.schema import build_schema
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

GRAPHQL_JSON = "application/graphql-response+json"
INVALID = "{ viewer { user { uuid nope } } }"
TOO_DEEP = "{ viewer { libraries(first: 1) { edges { node { owner { uuid } } } } } }"
VALID = "{ viewer { user { uuid } } }"


def padded(query: str, tag: int, length: int = 64 * 1024) -> str:
    """`query` followed by a comment of `length` characters, distinct for each `tag`."""
    return f"{query}\n# {tag} {'x' * length}"


@asynccontextmanager
async def serve(
    settings: Settings,
    connection: AsyncConnection,
    identity: IdentityProvider,
    *,
    compiled: bool = False,
    **updates: Any,
) -> AsyncIterator[tuple[Api, dict[str, str]]]:
    """The app (on the resolver path unless `compiled`: the compiled path keeps plans
    per document too), with one token's headers to reuse: a new token per request would
    grow the token cache, which is not what these tests measure."""
    app = create_app(
        settings.model_copy(update={"nexus_compiled_reads": compiled, **updates}),
        database=Database.pinned_to(connection),
    )
    async with lifespan(app), Api.over(app, identity) as api:
        yield api, {**api.headers(uuid4()), "accept": GRAPHQL_JSON}


@contextmanager
def retained() -> Iterator[list[int]]:
    """Bytes still allocated after the block, less those before it, in `[0]` on exit."""
    gc.collect()
    tracemalloc.start()
    outcome = [0]
    try:
        before = tracemalloc.get_traced_memory()[0]
        yield outcome
        gc.collect()
        outcome[0] = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


async def test_an_invalid_document_answers_the_same_from_the_cache(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with serve(settings, connection, identity, nexus_max_depth=3) as (api, headers):
        for query in (INVALID, TOO_DEEP, "{ viewer {"):
            first, second = [
                await api.http.post("/graphql", json={"query": query}, headers=headers)
                for _ in range(2)
            ]
            assert first.status_code == second.status_code == 400
            assert first.json() == second.json()
            [error] = first.json()["errors"]
            assert error["extensions"]["code"] == "E_INVALID_REQUEST"
            assert error["locations"]  # kept without keeping the document's nodes
    assert error["locations"] == [{"line": 1, "column": 11}]


async def test_repeating_an_invalid_document_keeps_nothing_of_earlier_requests(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with serve(settings, connection, identity) as (api, headers):

        async def send() -> None:
            response = await api.http.post("/graphql", json={"query": INVALID}, headers=headers)
            assert response.status_code == 400, response.text

        await send()  # cached from here on
        gc.collect()
        before = len(gc.get_objects())
        for _ in range(10_000):
            await send()
        gc.collect()
        # A re-raised cached exception kept every request's frames through its traceback:
        # tens of objects per request, hundreds of thousands here.
        assert len(gc.get_objects()) - before < 1_000


async def status_of(api: Api, headers: dict[str, str], query: str) -> int:
    """The response's status; nothing of the response is kept (it holds the request)."""
    response = await api.http.post("/graphql", json={"query": query}, headers=headers)
    if response.status_code == 200:
        assert "errors" not in response.json(), response.text
    return response.status_code


@pytest.mark.parametrize("compiled", [False, True], ids=["resolver_path", "compiled"])
async def test_cached_documents_stay_within_the_byte_budget(
    compiled: bool, settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    # On the compiled path the plan cache holds each document too, within the same budget.
    budget = 1024 * 1024
    app = serve(
        settings, connection, identity, compiled=compiled, nexus_document_cache_bytes=budget
    )
    async with app as (api, headers):
        await status_of(api, headers, "{ __typename }")
        with retained() as growth:
            # 24 valid documents of 64 KiB: over 3 MB if they were all kept.
            for tag in range(24):
                assert await status_of(api, headers, padded(VALID, tag)) == 200
    # Slack for what the process keeps anyway: CPython's type attribute cache holds the
    # names graphql-core's visitors look up (up to 4,096 of them), pytest a little per
    # request.
    assert growth[0] < budget + budget // 2


async def test_large_failed_documents_are_not_cached(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with serve(settings, connection, identity) as (api, headers):
        await status_of(api, headers, INVALID)
        with retained() as growth:
            # 6 invalid documents of 256 KiB: 1.5 MB of text alone if they were kept.
            for tag in range(6):
                assert await status_of(api, headers, padded(INVALID, tag, 256 * 1024)) == 400
    assert growth[0] < 512 * 1024  # the slack above, not one document's text and AST


def held(build: Callable[[], object]) -> int:
    """The bytes the value `build` makes holds: what dropping it frees."""
    gc.collect()
    tracemalloc.start()
    try:
        value = build()
        gc.collect()
        with_value = tracemalloc.get_traced_memory()[0]
        del value
        gc.collect()
        return with_value - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "query",
    [
        '{ library(id: "' + "x" * 256 * 1024 + '") { id } }',
        "{ viewer { user { uuid } } }\n#" + "€" * 128 * 1024,
        "{ viewer { user { " + " ".join(f"a{i}: uuid" for i in range(600)) + " } } }",
        "{ viewer { user { "
        + " ".join(f"...F{i}" for i in range(200))
        + " } } } "
        + " ".join(f"fragment F{i} on User {{ uuid }}" for i in range(200)),
        "{ viewer { libraries(first: 2) { edges { node { id name media(first: 2) { totalCount"
        " edges { node { id title fragments(first: 3) { edges { node { idx } } } } } } } } } } }",
    ],
    ids=["long_literal", "long_comment", "aliases", "fragments", "nested"],
)
def test_the_size_of_a_document_is_not_underestimated(query: str) -> None:
    schema = build_schema()._schema
    sizes: list[int] = []

    def parsed() -> tuple[str, DocumentNode]:
        text = query.replace("{", "{ ", 1)  # a new string, made inside the measurement
        document = parse(text, max_lexical_tokens=2000)
        assert validate(schema, document) == []
        sizes.append(document_bytes(text, document))
        return text, document

    holds = held(parsed)
    assert holds <= sizes[0] < 3 * holds


def test_the_least_recently_used_documents_go_first_past_the_byte_budget() -> None:
    cache: DocumentCache[str, str] = DocumentCache(max_entries=10, max_bytes=100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # now b is the oldest
    cache.put("c", "C", 40)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert cache.bytes == 80
    cache.put("huge", "H", 101)
    assert cache.get("huge") is None
    assert len(cache) == 2


def test_the_least_recently_used_documents_go_first_past_the_entry_limit() -> None:
    cache: DocumentCache[str, str] = DocumentCache(max_entries=2, max_bytes=1000)
    for key in "abc":
        cache.put(key, key.upper(), 1)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "B", "C")
    cache.put("b", "B2", 5)
    assert cache.bytes == 6
    assert cache.get("b") == "B2"
