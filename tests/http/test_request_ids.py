"""Every response carries X-Request-ID; one log line per request, without secrets."""

from __future__ import annotations

import logging
import re
from uuid import uuid4

import pytest

from nexus.logging_setup import JsonFormatter
from tests.helpers import Api


async def test_a_sane_client_request_id_is_echoed(probe_api: Api) -> None:
    response = await probe_api.http.get("/health", headers={"x-request-id": "abc-123.x:y"})
    assert response.headers["x-request-id"] == "abc-123.x:y"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 200, "tab\tvalue", "{json}"])
async def test_an_absent_or_insane_request_id_is_replaced(probe_api: Api, sent: str | None) -> None:
    headers = {"x-request-id": sent} if sent is not None else {}
    response = await probe_api.http.get("/health", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_error_responses_carry_a_request_id(probe_api: Api) -> None:
    response = await probe_api.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401
    assert response.headers["x-request-id"]


async def test_one_json_log_line_per_request_without_the_token(
    probe_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nexus.http")
    user = uuid4()
    token = probe_api.identity.token(user)
    await probe_api.http.post(
        "/graphql",
        json={"query": "query Ping { __typename }", "operationName": "Ping"},
        headers={"authorization": f"Bearer {token}", "x-request-id": "log-1"},
    )
    [record] = [r for r in caplog.records if r.name == "nexus.http"]
    line = JsonFormatter().format(record)
    assert token not in line
    assert "__typename" not in line
    for field in ('"method": "POST"', '"path": "/graphql"', '"status": 200', '"operation": "Ping"'):
        assert field in line
    assert '"request_id": "log-1"' in line
    assert '"duration_ms": ' in line
