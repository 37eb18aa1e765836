"""What the schema gives away: introspection, GraphiQL and "did you mean" suggestions are
on in local and test, off by default in staging and prod, and each is a setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.config import Environment, Settings
from nexus.db.engine import Database
from tests.helpers import Api
from tests.http.probe_schema import serve_probe
from tests.identity import IdentityProvider

SECRET = "internal-secret-" + "x" * 16
INTROSPECTION = ["{ __schema { queryType { name } } }", '{ __type(name: "Box") { name } }']


@asynccontextmanager
async def app_in(
    env: Environment,
    settings: Settings,
    connection: AsyncConnection,
    identity: IdentityProvider,
    **overrides: Any,
) -> AsyncIterator[Api]:
    async with serve_probe(
        settings,
        identity,
        database=Database.pinned_to(connection),
        nexus_env=env,
        nexus_internal_secret=SECRET,
        **overrides,
    ) as api:
        yield api


async def post(api: Api, query: str) -> httpx.Response:
    headers = {**api.headers(uuid4()), "x-nexus-internal": SECRET}
    return await api.http.post("/graphql", json={"query": query}, headers=headers)


def refused_message(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    message: str = error["message"]
    return message


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_introspection_is_on_in_test(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, query: str
) -> None:
    async with app_in(Environment.TEST, settings, connection, identity) as api:
        response = await post(api, query)
    assert "errors" not in response.json()


@pytest.mark.parametrize("env", [Environment.STAGING, Environment.PROD])
@pytest.mark.parametrize("query", INTROSPECTION)
async def test_introspection_is_off_by_default_when_deployed(
    settings: Settings,
    connection: AsyncConnection,
    identity: IdentityProvider,
    env: Environment,
    query: str,
) -> None:
    async with app_in(env, settings, connection, identity) as api:
        response = await post(api, query)
        typename = await post(api, "{ __typename }")
    assert refused_message(response) == "Introspection is disabled on this server."
    assert typename.json()["data"] == {"__typename": "ProbeQuery"}


async def test_introspection_setting_overrides_the_environment(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with app_in(
        Environment.PROD, settings, connection, identity, nexus_introspection=True
    ) as api:
        assert "errors" not in (await post(api, INTROSPECTION[0])).json()
    async with app_in(
        Environment.TEST, settings, connection, identity, nexus_introspection=False
    ) as api:
        assert "disabled" in refused_message(await post(api, INTROSPECTION[0]))


async def test_suggestions_are_on_in_test(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with app_in(Environment.TEST, settings, connection, identity) as api:
        message = refused_message(await post(api, "{ boxs { totalCount } }"))
    assert message.endswith("Did you mean 'box' or 'boxes'?")


@pytest.mark.parametrize("env", [Environment.STAGING, Environment.PROD])
async def test_suggestions_are_off_by_default_when_deployed(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, env: Environment
) -> None:
    async with app_in(env, settings, connection, identity) as api:
        message = refused_message(await post(api, "{ boxs { totalCount } }"))
    assert message == "Cannot query field 'boxs' on type 'ProbeQuery'."


async def test_suggestions_setting_overrides_the_environment(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with app_in(
        Environment.TEST, settings, connection, identity, nexus_field_suggestions=False
    ) as api:
        message = refused_message(await post(api, "{ boxs { totalCount } }"))
    assert "Did you mean" not in message


@pytest.mark.parametrize("env", [Environment.STAGING, Environment.PROD])
async def test_graphiql_is_off_by_default_when_deployed(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, env: Environment
) -> None:
    async with app_in(env, settings, connection, identity) as api:
        page = await api.http.get(
            "/graphql", headers={"accept": "text/html", "x-nexus-internal": SECRET}
        )
    assert not page.headers["content-type"].startswith("text/html")
