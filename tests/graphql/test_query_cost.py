"""The request limits on the real schema: what the benchmark's shapes cost, that the
deepest of them fits the depth limit, and that an oversized query is refused unrun."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from nexus.bench.operations import DEEP, LIBRARY_LIST, LIBRARY_PAGE, READER, gid
from tests.helpers import Api

GRAPHQL_JSON = "application/graphql-response+json"


async def cost(api: Api, query: str, variables: dict[str, Any] | None = None) -> int:
    body = await api.gql(query, variables, user=await api.new_user())
    requested: int = body["extensions"]["cost"]["requested"]
    return requested


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        (LIBRARY_LIST, None, 100),
        (LIBRARY_PAGE, {"library": gid("Library", uuid4())}, 50),
        (READER, {"media": gid("Media", uuid4())}, 100),
        # 20 libraries, 20 media each, 3 fragments each: 20 + 400 + 1200.
        (DEEP, None, 1620),
    ],
    ids=["library_list", "library_page", "reader", "deep"],
)
async def test_the_benchmark_shapes_run_and_report_their_cost(
    api: Api, query: str, variables: dict[str, Any] | None, expected: int
) -> None:
    assert await cost(api, query, variables) == expected


async def test_an_omitted_first_counts_as_its_default_of_100(api: Api) -> None:
    assert await cost(api, "{ viewer { libraries { totalCount } } }") == 100
    # So two nested connections left at their default already exceed the maximum.
    nested = "{ viewer { libraries { edges { node { members { totalCount } } } } } }"
    response = await api.post(nested, user=await api.new_user(), headers={"accept": GRAPHQL_JSON})
    assert response.json()["errors"][0]["extensions"]["cost"] == {
        "requested": 100 + 100 * 100,
        "maximum": 10_000,
    }


async def test_nodes_counts_one_node_per_id(api: Api) -> None:
    ids = [gid("Media", uuid4()) for _ in range(30)]
    query = """query ($ids: [ID!]!) { nodes(ids: $ids) {
        ... on Media { fragments(first: 10) { totalCount } } } }"""
    assert await cost(api, query, {"ids": ids}) == 30 + 30 * 10


async def test_an_oversized_query_is_refused_before_any_sql(api: Api, statements: Any) -> None:
    user = await api.new_user()
    query = """{ viewer { libraries(first: 200) { edges { node {
        media(first: 200) { edges { node { fragments(first: 200) { totalCount } } } } } } } } }"""
    statements.reset()
    response = await api.post(query, user=user, headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    assert error["extensions"]["cost"] == {
        "requested": 200 + 200 * 200 + 200 * 200 * 200,
        "maximum": 10_000,
    }
    assert statements.count == 0


async def test_one_level_deeper_than_the_deep_shape_is_refused(api: Api) -> None:
    deeper = DEEP.replace("htmlSanitized", "media { id }")
    response = await api.post(deeper, user=await api.new_user(), headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["depth"] == {"requested": 11, "maximum": 10}
