"""Unexpected failures at each point of a request come back as E_INTERNAL in the shape of
transport.md: HTTP 500, `{"errors": [...]}` with a generic message and the request id,
the negotiated media type, X-Request-ID; the traceback is logged with the request id.

Faults are real PostgreSQL failures, made inside the test's transaction and rolled back
to a savepoint afterwards, so the next request proves the service is whole again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from nexus.app.request_log import RequestLogMiddleware, answer_internal_error
from tests.helpers import Api

GRAPHQL_JSON = "application/graphql-response+json"
JSON_MEDIA = "application/json"
LIBRARY_NAMES = "{ viewer { libraries(first: 5) { edges { node { name } } } } }"
VIEWER = "{ viewer { user { uuid } } }"


@asynccontextmanager
async def fault(connection: AsyncConnection, *statements: str) -> AsyncIterator[None]:
    """The statements' damage for the block's requests, undone afterwards."""
    savepoint = await connection.begin_nested()
    for statement in statements:
        await connection.execute(text(statement))
    try:
        yield
    finally:
        await savepoint.rollback()


def assert_internal(response: httpx.Response, request_id: str, media_type: str) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["x-request-id"] == request_id
    assert response.json() == {
        "errors": [
            {
                "message": "Internal server error",
                "extensions": {"code": "E_INTERNAL", "status": 500, "requestId": request_id},
            }
        ]
    }


def logged_traceback(caplog: pytest.LogCaptureFixture, request_id: str) -> str:
    """The one error logged for the request: its traceback's text."""
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert getattr(record, "request_id", None) == request_id
    assert record.exc_info is not None
    return str(record.exc_info[1])


async def post(api: Api, query: str, *, user: Any, request_id: str, accept: str) -> httpx.Response:
    headers = {"x-request-id": request_id, "accept": accept}
    return await api.post(query, user=user, headers=headers)


@pytest.mark.parametrize("accept", [JSON_MEDIA, GRAPHQL_JSON])
async def test_a_compiled_statement_failing_in_postgresql_is_e_internal(
    api: Api, connection: AsyncConnection, caplog: pytest.LogCaptureFixture, accept: str
) -> None:
    user = await api.new_user()
    caplog.set_level(logging.ERROR)
    # A statement broken under the app's feet, as by a migration deployed out of order.
    async with fault(connection, "ALTER TABLE libraries RENAME COLUMN name TO title"):
        response = await post(api, LIBRARY_NAMES, user=user, request_id="compiled-1", accept=accept)
    assert_internal(response, "compiled-1", accept)
    assert "title" not in response.text
    assert "does not exist" in logged_traceback(caplog, "compiled-1")
    assert await api.data(LIBRARY_NAMES, user=user) == {
        "viewer": {"libraries": {"edges": [{"node": {"name": "My Library"}}]}}
    }


async def test_a_get_failing_in_postgresql_is_e_internal_and_not_cacheable(
    api: Api, connection: AsyncConnection
) -> None:
    user = await api.new_user()
    headers = {**api.headers(user), "x-request-id": "get-1", "accept": GRAPHQL_JSON}
    async with fault(connection, "ALTER TABLE libraries RENAME COLUMN name TO title"):
        response = await api.http.get("/graphql", params={"query": LIBRARY_NAMES}, headers=headers)
    assert_internal(response, "get-1", GRAPHQL_JSON)
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["vary"] == "Authorization, Accept"


async def test_ensuring_a_new_viewer_failing_in_postgresql_is_e_internal(
    api: Api, connection: AsyncConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    refuse_new_users = [
        "CREATE FUNCTION refuse_new_users() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'no new users today'; END $$",
        "CREATE TRIGGER refuse_new_users BEFORE INSERT ON users"
        " FOR EACH ROW EXECUTE FUNCTION refuse_new_users()",
    ]
    async with fault(connection, *refuse_new_users):
        response = await post(api, VIEWER, user=uuid4(), request_id="ensure-1", accept=GRAPHQL_JSON)
    assert_internal(response, "ensure-1", GRAPHQL_JSON)
    assert "no new users" not in response.text
    assert "no new users today" in logged_traceback(caplog, "ensure-1")
    assert await api.new_user()


async def test_a_database_refusing_the_viewer_lookup_is_e_internal(
    api: Api, connection: AsyncConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    # A role without any privilege: the first read of a new viewer is refused by PostgreSQL.
    role = f"nexus_no_grants_{uuid4().hex[:8]}"
    async with fault(connection, f"CREATE ROLE {role}", f"SET LOCAL ROLE {role}"):
        response = await post(api, VIEWER, user=uuid4(), request_id="lookup-1", accept=JSON_MEDIA)
    assert_internal(response, "lookup-1", JSON_MEDIA)
    assert "permission denied" in logged_traceback(caplog, "lookup-1")
    assert await api.new_user()


async def failing_app(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise RuntimeError("secret detail")


async def failing_route(_request: Request) -> Response:
    raise RuntimeError("secret detail")


@pytest.mark.parametrize(
    "app",
    [
        failing_app,
        Starlette(
            routes=[Route("/failing", failing_route)],
            exception_handlers={Exception: answer_internal_error},
        ),
    ],
    ids=["bare-asgi-app", "starlette-route"],
)
async def test_an_exception_nothing_answered_is_e_internal_logged_once(
    app: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    transport = httpx.ASGITransport(app=RequestLogMiddleware(app))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(
            "/failing", headers={"x-request-id": "last-1", "accept": GRAPHQL_JSON}
        )
    assert_internal(response, "last-1", GRAPHQL_JSON)
    assert "secret detail" in logged_traceback(caplog, "last-1")
