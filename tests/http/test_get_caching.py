"""Every GraphQL GET response, success or error, says it is private and not to be stored,
and that it varies with the bearer and Accept: persisted queries invite GETs, and a
shared cache must never hand one viewer's answer (or GraphiQL's page) to another."""

from __future__ import annotations

import hashlib
import json
from uuid import uuid4

import httpx
import pytest

from tests.helpers import Api

GRAPHQL_JSON = "application/graphql-response+json"


def assert_not_cacheable(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["vary"] == "Authorization, Accept"


def persisted(query: str) -> str:
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    return json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256}})


@pytest.mark.parametrize("accept", [None, GRAPHQL_JSON])
async def test_a_get_query_answer_is_not_cacheable(probe_api: Api, accept: str | None) -> None:
    headers = {**probe_api.headers(uuid4()), **({"accept": accept} if accept else {})}
    response = await probe_api.http.get(
        "/graphql", params={"query": '{ echo(text: "hi") }'}, headers=headers
    )
    assert response.json()["data"] == {"echo": "hi"}
    assert_not_cacheable(response)


@pytest.mark.parametrize(
    ("params", "authorized", "status"),
    [
        ({"query": "{ __typename }"}, False, 401),
        ({"query": "{ nope }"}, True, 200),
        ({"query": "{ __typename }", "variables": "{not json"}, True, 400),
        ({"query": "mutation { touch }"}, True, 405),
        ({"query": "{ __typename }" + " " * 9000}, True, 414),
    ],
    ids=["unauthenticated", "invalid-document", "malformed", "mutation", "too-long"],
)
async def test_a_get_error_is_not_cacheable(
    probe_api: Api, params: dict[str, str], authorized: bool, status: int
) -> None:
    headers = probe_api.headers(uuid4() if authorized else None)
    response = await probe_api.http.get("/graphql", params=params, headers=headers)
    assert response.status_code == status
    assert "errors" in response.json()
    assert_not_cacheable(response)


async def test_persisted_query_gets_are_not_cacheable(api: Api) -> None:
    query = f"# {uuid4()}\n{{ viewer {{ user {{ uuid }} }} }}"
    user = uuid4()
    headers = {**api.headers(user), "accept": GRAPHQL_JSON}
    unknown = await api.http.get(
        "/graphql", params={"extensions": persisted(query)}, headers=headers
    )
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert_not_cacheable(unknown)
    registered = await api.http.post(
        "/graphql",
        json={"query": query, "extensions": json.loads(persisted(query))},
        headers=headers,
    )
    assert registered.status_code == 200
    known = await api.http.get("/graphql", params={"extensions": persisted(query)}, headers=headers)
    assert known.json()["data"] == {"viewer": {"user": {"uuid": str(user)}}}
    assert_not_cacheable(known)


async def test_the_graphiql_page_is_not_cacheable(probe_api: Api) -> None:
    response = await probe_api.http.get("/graphql", headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert_not_cacheable(response)


async def test_post_answers_carry_no_get_caching_headers(probe_api: Api) -> None:
    # POST responses are not stored by HTTP caches; Vary would only cost them bytes.
    response = await probe_api.post("{ __typename }", user=uuid4())
    assert "vary" not in response.headers
