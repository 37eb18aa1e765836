"""GraphQL over HTTP as transport.md specifies: media types, statuses, error shapes."""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.helpers import Api

GRAPHQL_JSON = "application/graphql-response+json"


def assert_error_shape(error: dict[str, Any], code: str, status: int) -> None:
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["status"] == status


def request_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body, body
    assert len(body["errors"]) >= 1
    assert_error_shape(body["errors"][0], "E_INVALID_REQUEST", 400)
    error: dict[str, Any] = body["errors"][0]
    return error


async def raw_post(
    api: Api, content: bytes, *, accept: str | None = None, content_type: str = "application/json"
) -> httpx.Response:
    headers = {**api.headers(uuid4()), "content-type": content_type}
    if accept:
        headers["accept"] = accept
    return await api.http.post("/graphql", content=content, headers=headers)


async def test_json_is_the_default_media_type(probe_api: Api) -> None:
    response = await probe_api.post('{ echo(text: "hi") }', user=uuid4())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"echo": "hi"}, "extensions": {"cost": {"requested": 0}}}


async def test_graphql_response_json_is_used_when_accepted(probe_api: Api) -> None:
    response = await probe_api.post(
        '{ echo(text: "hi") }', user=uuid4(), headers={"accept": GRAPHQL_JSON}
    )
    assert response.headers["content-type"].startswith(GRAPHQL_JSON)
    assert response.json()["data"] == {"echo": "hi"}


async def test_json_preferred_by_quality_wins(probe_api: Api) -> None:
    accept = f"{GRAPHQL_JSON};q=0.5, application/json"
    response = await probe_api.post("{ __typename }", user=uuid4(), headers={"accept": accept})
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("accept", [None, "application/json", GRAPHQL_JSON])
async def test_bcf8_malformed_json_is_400_whatever_the_media_type(
    probe_api: Api, accept: str | None
) -> None:
    response = await raw_post(probe_api, b'{"query": ', accept=accept)
    assert response.status_code == 400
    request_error(response)


@pytest.mark.parametrize(
    "body",
    [
        [{"query": "{ __typename }"}],
        "just a string",
        {},
        {"query": None},
        {"query": 42},
        {"query": "{ __typename }", "variables": [1]},
        {"query": "{ __typename }", "variables": "{}"},
        {"query": "{ __typename }", "operationName": 7},
        {"query": "{ __typename }", "extensions": "x"},
    ],
    ids=[
        "batch-array",
        "string-body",
        "no-query",
        "null-query",
        "number-query",
        "array-variables",
        "string-variables",
        "number-operation-name",
        "string-extensions",
    ],
)
@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_JSON])
async def test_wrong_request_parameters_are_400_whatever_the_media_type(
    probe_api: Api, body: object, accept: str
) -> None:
    response = await raw_post(probe_api, json.dumps(body).encode(), accept=accept)
    assert response.status_code == 400
    request_error(response)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"query": "{ __typename }", "variables": "{not json"},
        {"query": "{ __typename }", "variables": "[1]"},
        {"query": "{ __typename }", "extensions": '"x"'},
    ],
    ids=["no-query", "variables-not-json", "array-variables", "string-extensions"],
)
@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_JSON])
async def test_malformed_get_parameters_are_400_whatever_the_media_type(
    probe_api: Api, params: dict[str, str], accept: str
) -> None:
    response = await probe_api.http.get(
        "/graphql", params=params, headers={**probe_api.headers(uuid4()), "accept": accept}
    )
    assert response.status_code == 400
    request_error(response)


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_JSON])
async def test_invalid_utf8_body_is_400_whatever_the_media_type(
    probe_api: Api, accept: str
) -> None:
    response = await raw_post(probe_api, b'{"query": "\xff\xfe"}', accept=accept)
    assert response.status_code == 400
    request_error(response)


async def test_syntax_error_is_invalid_request_with_location(probe_api: Api) -> None:
    response = await probe_api.post("{ echo(", user=uuid4(), headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 400
    assert request_error(response)["locations"] == [{"line": 1, "column": 8}]


async def test_validation_error_is_invalid_request(probe_api: Api) -> None:
    response = await probe_api.post("{ nope }", user=uuid4())
    assert response.status_code == 200
    assert "nope" in request_error(response)["message"]


async def test_variable_that_does_not_coerce_is_invalid_request(probe_api: Api) -> None:
    response = await probe_api.post(
        "query ($t: String!) { echo(text: $t) }", {"t": 5}, user=uuid4()
    )
    request_error(response)


async def test_unknown_operation_name_is_invalid_request(probe_api: Api) -> None:
    response = await probe_api.http.post(
        "/graphql",
        json={"query": "query A { __typename }", "operationName": "B"},
        headers=probe_api.headers(uuid4()),
    )
    assert "B" in request_error(response)["message"]


async def test_several_operations_without_a_name_is_invalid_request(probe_api: Api) -> None:
    response = await probe_api.post("query A { __typename } query B { __typename }", user=uuid4())
    request_error(response)


async def test_get_runs_queries(probe_api: Api) -> None:
    response = await probe_api.http.get(
        "/graphql",
        params={"query": "query ($t: String!) { echo(text: $t) }", "variables": '{"t": "x"}'},
        headers=probe_api.headers(uuid4()),
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"echo": "x"}


async def test_get_mutation_is_405_with_allow_post(probe_api: Api) -> None:
    response = await probe_api.http.get(
        "/graphql", params={"query": "mutation { touch }"}, headers=probe_api.headers(uuid4())
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    request_error(response)


async def test_post_mutation_runs(probe_api: Api) -> None:
    assert await probe_api.data("mutation { touch }", user=uuid4()) == {"touch": True}


async def test_other_methods_are_405(probe_api: Api) -> None:
    response = await probe_api.http.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"],
)
async def test_post_that_is_not_json_is_415(probe_api: Api, content_type: str) -> None:
    response = await raw_post(probe_api, b'{"query": "{ __typename }"}', content_type=content_type)
    assert response.status_code == 415
    request_error(response)


async def test_json_with_utf8_charset_is_accepted(probe_api: Api) -> None:
    response = await raw_post(
        probe_api, b'{"query": "{ __typename }"}', content_type="application/json; charset=utf-8"
    )
    assert response.json()["data"] == {"__typename": "ProbeQuery"}


async def test_body_over_one_mebibyte_is_413(probe_api: Api) -> None:
    padding = " " * (1024 * 1024)
    response = await raw_post(probe_api, f'{{"query": "{{ __typename }}{padding}"}}'.encode())
    assert response.status_code == 413
    request_error(response)


async def test_query_string_over_8_kib_is_414(probe_api: Api) -> None:
    query = "{ __typename }" + " " * 9000
    response = await probe_api.http.get(
        "/graphql", params={"query": query}, headers=probe_api.headers(uuid4())
    )
    assert response.status_code == 414
    request_error(response)


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_JSON])
async def test_unauthenticated_is_401_whatever_the_media_type(probe_api: Api, accept: str) -> None:
    response = await probe_api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": accept}
    )
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert_error_shape(body["errors"][0], "E_UNAUTHENTICATED", 401)


async def test_domain_error_keeps_its_code_and_nulls_the_field(probe_api: Api) -> None:
    body = await probe_api.gql('{ refused echo(text: "still here") }', user=uuid4())
    assert body["data"] == {"refused": None, "echo": "still here"}
    [error] = body["errors"]
    assert error["path"] == ["refused"]
    assert_error_shape(error, "E_FORBIDDEN", 403)


async def test_unexpected_error_is_internal_and_hides_its_text(
    probe_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="nexus.graphql")
    response = await probe_api.post("{ boom }", user=uuid4(), headers={"x-request-id": "req-42"})
    assert response.status_code == 200
    assert "secret detail" not in response.text
    body = response.json()
    assert body["data"] == {"boom": None}
    [error] = body["errors"]
    assert_error_shape(error, "E_INTERNAL", 500)
    assert error["message"] == "Internal server error"
    assert error["extensions"]["requestId"] == "req-42"
    [record] = [r for r in caplog.records if r.name == "nexus.graphql"]
    assert record.exc_info is not None
    assert "secret detail" in str(record.exc_info[1])
    assert record.request_id == "req-42"
