"""Bad input of every family gets a clear typed error and changes nothing.

Families already covered in test_transport.py (malformed JSON, a JSON array body, wrong
parameter types, unknown operation name, invalid UTF-8, non-JSON content types, body and
query-string size) are not repeated here. A malformed request is 400 whatever the media
type; the families below that are one are checked under both."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.config import Environment, Settings
from nexus.db.engine import Database
from nexus.db.tables import libraries
from tests.graphql.operations import CREATE_LIBRARY
from tests.helpers import Api
from tests.http.probe_schema import EXECUTED, serve_probe
from tests.identity import IdentityProvider

GRAPHQL_JSON = "application/graphql-response+json"
# A request that is not well-formed GraphQL over HTTP is 400 under either (transport.md).
BOTH_MEDIA_TYPES = ["application/json", GRAPHQL_JSON]
MIB = 1024 * 1024


@pytest.fixture
async def probe(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> AsyncIterator[Api]:
    async with serve_probe(settings, identity, database=Database.pinned_to(connection)) as api:
        yield api


async def raw_post(api: Api, content: bytes, **headers: str) -> httpx.Response:
    return await api.http.post(
        "/graphql",
        content=content,
        headers={
            **api.headers(uuid4()),
            "content-type": "application/json",
            "accept": GRAPHQL_JSON,
            **headers,
        },
    )


def invalid_request(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    assert error["extensions"]["status"] == 400
    message: str = error["message"]
    return message


def mutation_body(variables: str) -> bytes:
    query = 'mutation ($v: JSON) { record(note: "ran", payload: $v) { name } }'
    return f'{{"query": {json.dumps(query)}, "variables": {{"v": {variables}}}}}'.encode()


async def test_deeply_nested_variables_are_invalid_request(probe: Api) -> None:
    # Well-formed JSON over the variables' depth limit: a GraphQL request error.
    nested = "[" * 200 + "]" * 200
    assert "nest" in invalid_request(await raw_post(probe, mutation_body(nested)))
    assert EXECUTED == []


@pytest.mark.parametrize("accept", BOTH_MEDIA_TYPES)
async def test_json_nested_past_the_parsers_limit_is_invalid_json(probe: Api, accept: str) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    response = await raw_post(probe, mutation_body(nested), accept=accept)
    assert invalid_request(response) == "The request body is not valid JSON."
    assert EXECUTED == []


async def test_deeply_nested_variables_over_get_are_invalid_request(probe: Api) -> None:
    response = await probe.http.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": '{"v":' + "[" * 1200 + "]" * 1200 + "}"},
        headers={**probe.headers(uuid4()), "accept": GRAPHQL_JSON},
    )
    invalid_request(response)


@pytest.mark.parametrize("accept", BOTH_MEDIA_TYPES)
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_standard_json_numbers_are_invalid_request(
    probe: Api, constant: str, accept: str
) -> None:
    invalid_request(await raw_post(probe, mutation_body(constant), accept=accept))
    assert EXECUTED == []


async def test_utf8_bom_before_the_body_is_ignored_as_rfc_8259_allows(probe: Api) -> None:
    response = await raw_post(probe, b'\xef\xbb\xbf{"query": "{ __typename }"}')
    assert response.json()["data"] == {"__typename": "ProbeQuery"}


@pytest.mark.parametrize("accept", BOTH_MEDIA_TYPES)
async def test_empty_body_is_invalid_request(probe: Api, accept: str) -> None:
    invalid_request(await raw_post(probe, b"", accept=accept))


@pytest.mark.parametrize("query", ["", "   ", "# only a comment", "{", "{ }x"])
async def test_document_without_a_valid_operation_is_invalid_request(
    probe: Api, query: str
) -> None:
    invalid_request(await raw_post(probe, json.dumps({"query": query}).encode()))


async def test_control_characters_outside_strings_are_a_syntax_error(probe: Api) -> None:
    body = json.dumps({"query": "{ \u0000 __typename }"}).encode()
    assert invalid_request(await raw_post(probe, body)).startswith("Syntax Error")


async def test_control_characters_in_string_literals_round_trip_escaped(probe: Api) -> None:
    # GraphQL strings may hold any Unicode scalar value; the JSON answer escapes them.
    response = await raw_post(probe, json.dumps({"query": '{ echo(text: "a\u0000b") }'}).encode())
    assert b"\x00" not in response.content
    assert response.json()["data"] == {"echo": "a\u0000b"}


async def test_control_characters_in_variables_round_trip_as_escaped_json(probe: Api) -> None:
    text = "nul\u0000 bell\u0007 esc\u001b del\u007f ls\u2028 rtl\u202e end"
    response = await probe.post("query ($t: String!) { echo(text: $t) }", {"t": text}, user=uuid4())
    assert response.status_code == 200
    assert b"\x00" not in response.content
    assert response.json()["data"] == {"echo": text}


@pytest.mark.parametrize(
    "body",
    [
        rb'{"query": "query ($t: String!) { echo(text: $t) }", "variables": {"t": "a\ud800b"}}',
        rb'{"query": "{ echo(text: \"\udfff\") }"}',
        rb'{"query": "{ __typename }", "extensions": {"\udc00": 1}}',
    ],
    ids=["in-variables", "in-the-document", "in-a-key"],
)
@pytest.mark.parametrize("accept", BOTH_MEDIA_TYPES)
async def test_a_lone_utf16_surrogate_is_invalid_json(probe: Api, body: bytes, accept: str) -> None:
    response = await raw_post(probe, body, accept=accept)
    assert invalid_request(response) == "The request body is not valid JSON."


async def test_escaped_surrogate_pairs_are_ordinary_characters(probe: Api) -> None:
    body = (
        rb'{"query": "query ($t: String!) { echo(text: $t) }", "variables": {"t": "\ud83d\udcda"}}'
    )
    assert (await raw_post(probe, body)).json()["data"] == {"echo": "\U0001f4da"}


async def test_huge_string_in_variables_is_bounded_by_the_body_limit(probe: Api) -> None:
    query = "query ($t: String!) { echo(text: $t) }"
    just_under = "x" * (MIB - 200)
    response = await probe.post(query, {"t": just_under}, user=uuid4())
    assert response.status_code == 200
    assert len(response.json()["data"]["echo"]) == len(just_under)
    over = await probe.post(query, {"t": "x" * MIB}, user=uuid4())
    assert over.status_code == 413


@pytest.mark.parametrize(
    "variables",
    [{"n": 2**31}, {"n": 10**30}, {"n": 1.5}, {"n": "10"}, {"n": True}, {"n": [1]}],
    ids=["int32-overflow", "bignum", "fraction", "string", "boolean", "list"],
)
async def test_page_size_of_the_wrong_type_is_invalid_request(
    probe: Api, variables: dict[str, Any]
) -> None:
    body = {"query": "query ($n: Int!) { boxes(first: $n) { totalCount } }", "variables": variables}
    invalid_request(await raw_post(probe, json.dumps(body).encode()))


async def test_literal_int_overflow_in_the_document_is_invalid_request(probe: Api) -> None:
    body = {"query": "{ boxes(first: 99999999999999999999) { totalCount } }"}
    assert "32-bit" in invalid_request(await raw_post(probe, json.dumps(body).encode()))


async def test_explicit_null_for_a_non_null_argument_with_a_default_is_a_request_error(
    probe: Api,
) -> None:
    query = "query ($n: Int) { boxes(first: $n) { totalCount } }"
    body = await probe.gql(query, {"n": None}, user=uuid4())
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "E_INVALID_REQUEST", "status": 400}
    assert error["path"] == ["boxes"]


async def test_duplicate_authorization_header_is_invalid_request(probe: Api) -> None:
    token = probe.identity.token(uuid4())
    headers = [
        ("authorization", f"Bearer {token}"),
        ("authorization", f"Bearer {token}"),
        ("content-type", "application/json"),
        ("accept", GRAPHQL_JSON),
    ]
    response = await probe.http.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert "authorization" in invalid_request(response)


async def test_duplicate_internal_header_is_refused_when_deployed(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    secret = "internal-secret-" + "y" * 16
    async with serve_probe(
        settings,
        identity,
        database=Database.pinned_to(connection),
        nexus_env=Environment.STAGING,
        nexus_internal_secret=secret,
    ) as api:
        headers = [
            ("authorization", f"Bearer {identity.token(uuid4())}"),
            ("x-nexus-internal", secret),
            ("x-nexus-internal", secret),
            ("content-type", "application/json"),
        ]
        response = await api.http.post(
            "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
        )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "E_INTERNAL_ONLY", "status": 403}


async def test_a_huge_library_name_is_name_invalid_and_creates_nothing(
    api: Api, connection: AsyncConnection
) -> None:
    user = await api.new_user()
    before = await connection.scalar(select(func.count()).select_from(libraries))
    body = await api.gql(CREATE_LIBRARY, {"input": {"name": "n" * (MIB - 300)}}, user=user)
    assert body["data"] == {"createLibrary": None}
    assert body["errors"][0]["extensions"] == {"code": "E_NAME_INVALID", "status": 400}
    assert await connection.scalar(select(func.count()).select_from(libraries)) == before
