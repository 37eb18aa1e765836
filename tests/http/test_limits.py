"""Limits checked before execution: cost, depth, aliases, tokens, variables nesting.

Each refusal is E_INVALID_REQUEST (400 under application/graphql-response+json) with
the limit's details in `extensions`, and nothing executes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.config import Settings
from nexus.db.engine import Database
from tests.helpers import Api
from tests.http.probe_schema import EXECUTED, serve_probe
from tests.identity import IdentityProvider

GRAPHQL_JSON = "application/graphql-response+json"

NESTED_420 = """{ boxes(first: 20) { edges { node {
    boxes(first: 20) { edges { node { name } } } } } } }"""


@pytest.fixture
async def probe(settings: Settings, connection: AsyncConnection, identity: IdentityProvider) -> Any:
    async with serve_probe(settings, identity, database=Database.pinned_to(connection)) as api:
        yield api


async def post(
    api: Api, query: str, variables: dict[str, Any] | None = None, **body: Any
) -> httpx.Response:
    payload: dict[str, Any] = {"query": query, **body}
    if variables is not None:
        payload["variables"] = variables
    return await api.http.post(
        "/graphql", json=payload, headers={**api.headers(uuid4()), "accept": GRAPHQL_JSON}
    )


async def cost_of(api: Api, query: str, variables: dict[str, Any] | None = None) -> int:
    response = await post(api, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    requested: int = body["extensions"]["cost"]["requested"]
    return requested


def refusal(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    assert error["extensions"]["status"] == 400
    extensions: dict[str, Any] = error["extensions"]
    return extensions


# Cost: GitHub's node count.


async def test_each_connection_multiplies_its_first_into_everything_below(probe: Api) -> None:
    assert await cost_of(probe, NESTED_420) == 20 + 20 * 20


async def test_an_operation_without_connections_costs_nothing(probe: Api) -> None:
    assert await cost_of(probe, "{ box { box { name } } }") == 0


async def test_omitted_first_counts_as_the_argument_default(probe: Api) -> None:
    assert await cost_of(probe, "{ boxes { edges { node { boxes { totalCount } } } } }") == 110


async def test_first_from_a_variable_or_its_default(probe: Api) -> None:
    query = "query ($n: Int = 7) { boxes(first: $n) { edges { node { name } } } }"
    assert await cost_of(probe, query, {"n": 30}) == 30
    assert await cost_of(probe, query) == 7


async def test_fragments_count_at_every_spread(probe: Api) -> None:
    query = """
        { a: box { ...Inner } b: box { ...Inner } }
        fragment Inner on Box { boxes(first: 5) { edges { node { ...Leaf } } } }
        fragment Leaf on Box { boxes(first: 4) { totalCount } }
    """
    assert await cost_of(probe, query) == 2 * (5 + 5 * 4)


async def test_inline_fragments_count(probe: Api) -> None:
    query = "{ thing { ... on Box { boxes(first: 6) { totalCount } } } }"
    assert await cost_of(probe, query) == 6


async def test_aliases_each_count(probe: Api) -> None:
    query = "{ a: boxes(first: 50) { totalCount } b: boxes(first: 50) { totalCount } }"
    assert await cost_of(probe, query) == 100


async def test_lists_fetched_by_ids_count_one_node_per_id(probe: Api) -> None:
    query = "{ boxesByIds(ids: [1, 2, 3]) { boxes(first: 10) { totalCount } } }"
    assert await cost_of(probe, query) == 3 + 3 * 10
    by_variable = "query ($ids: [Int!]!) { boxesByIds(ids: $ids) { name } }"
    assert await cost_of(probe, by_variable, {"ids": list(range(40))}) == 40


async def test_cost_at_the_maximum_runs(probe: Api) -> None:
    query = "{ boxes(first: 100) { edges { node { boxes(first: 99) { totalCount } } } } }"
    assert await cost_of(probe, query) == 10_000


async def test_cost_over_the_maximum_is_refused_with_requested_and_maximum(probe: Api) -> None:
    query = "{ boxes(first: 100) { edges { node { boxes(first: 100) { totalCount } } } } }"
    extensions = refusal(await post(probe, query))
    assert extensions["cost"] == {"requested": 10_100, "maximum": 10_000}


async def test_cost_over_the_maximum_through_a_variable_is_refused(probe: Api) -> None:
    query = "query ($n: Int!) { boxes(first: $n) { totalCount } }"
    extensions = refusal(await post(probe, query, {"n": 2_000_000_000}))
    assert extensions["cost"] == {"requested": 2_000_000_000, "maximum": 10_000}


async def test_a_mutation_over_the_maximum_does_not_run(probe: Api) -> None:
    query = """mutation { record(note: "ran") {
        boxes(first: 100) { edges { node { boxes(first: 100) { totalCount } } } } } }"""
    refusal(await post(probe, query))
    assert EXECUTED == []


async def test_maximum_cost_is_a_setting(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with serve_probe(
        settings, identity, database=Database.pinned_to(connection), nexus_max_cost=50
    ) as api:
        assert refusal(await post(api, "{ boxes(first: 51) { totalCount } }"))["cost"] == {
            "requested": 51,
            "maximum": 50,
        }


# Depth.


def nested(depth: int) -> str:
    """`{ box { … { name } } }` with `depth` levels below the root field."""
    return "{ " + "box { " * depth + "name" + " }" * depth + " }"


async def test_depth_at_the_maximum_runs(probe: Api) -> None:
    response = await post(probe, nested(10))
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_depth_over_the_maximum_is_refused(probe: Api) -> None:
    extensions = refusal(await post(probe, nested(11)))
    assert extensions["depth"] == {"requested": 11, "maximum": 10}


async def test_depth_counts_through_fragments(probe: Api) -> None:
    query = (
        "{ box { box { box { ...Deep } } } }"
        " fragment Deep on Box { " + "box { " * 8 + "name" + " }" * 8 + " }"
    )
    assert refusal(await post(probe, query))["depth"] == {"requested": 11, "maximum": 10}


# Aliases.


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


async def test_aliases_at_the_maximum_run(probe: Api) -> None:
    assert (await post(probe, aliased(15))).status_code == 200


async def test_aliases_over_the_maximum_are_refused(probe: Api) -> None:
    assert refusal(await post(probe, aliased(16)))["aliases"] == {
        "requested": 16,
        "maximum": 15,
    }


async def test_aliases_count_at_every_spread_of_a_fragment(probe: Api) -> None:
    spreads = " ".join(f"b{i}: box {{ ...Four }}" for i in range(4))
    query = "{ " + spreads + " } fragment Four on Box { a: name b: name c: name d: name }"
    # 4 aliased spreads, and the fragment's 4 aliases at each of them.
    assert refusal(await post(probe, query))["aliases"] == {"requested": 20, "maximum": 15}


# Operations per document: only the selected one runs.


async def test_only_the_selected_operation_executes(probe: Api) -> None:
    document = 'mutation Write { record(note: "ran") { name } } query Read { box { name } }'
    response = await post(probe, document, operationName="Read")
    assert response.json()["data"] == {"box": {"name": "root"}}
    assert EXECUTED == []
    await post(probe, document, operationName="Write")
    assert EXECUTED == ["ran"]


# Tokens.


async def test_tokens_over_the_maximum_are_refused_before_parsing_ends(probe: Api) -> None:
    query = "{ " + "__typename " * 2000 + "}"
    extensions = refusal(await post(probe, query))
    assert extensions["tokens"] == {"maximum": 2000}


async def test_comments_are_bounded_too(probe: Api) -> None:
    query = "{ __typename }" + "\n#" * 2001
    assert refusal(await post(probe, query))["tokens"] == {"maximum": 2000}


# Variables nesting.


def nested_list(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


async def test_variables_nesting_at_the_maximum_is_accepted(probe: Api) -> None:
    # The variables object is level 1, so the value may nest 9 more.
    query = "query ($v: JSON!) { echoJson(value: $v) }"
    response = await post(probe, query, {"v": nested_list(9)})
    assert response.status_code == 200
    assert response.json()["data"]["echoJson"] == nested_list(9)


async def test_variables_nesting_over_the_maximum_is_refused(probe: Api) -> None:
    query = "query ($v: JSON!) { echoJson(value: $v) }"
    extensions = refusal(await post(probe, query, {"v": nested_list(10)}))
    assert extensions["variablesDepth"] == {"maximum": 10}
