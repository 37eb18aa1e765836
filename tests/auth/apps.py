"""Factories for the auth tests: settings per environment, an app over the test's
connection, a request with a raw Authorization header, and the refusal's shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Environment, Settings
from nexus.db.engine import Database
from tests.helpers import Api, lifespan
from tests.identity import AUDIENCE, ISSUER, IdentityProvider

VIEWER = "{ viewer { user { uuid } } }"
INTERNAL_SECRET = "internal-secret-for-tests"


def provider_settings(
    database_url: str, provider: IdentityProvider, state_dir: Path, **overrides: Any
) -> Settings:
    """Test-environment settings trusting `provider`; `overrides` by setting name."""
    values: dict[str, Any] = {
        "nexus_env": Environment.TEST,
        "database_url": database_url,
        "nexus_jwks_url": provider.url,
        "nexus_jwt_issuer": ISSUER,
        "nexus_jwt_audience": AUDIENCE,
        "nexus_state_dir": state_dir,
    }
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]


def staging_settings(database_url: str, provider: IdentityProvider, state_dir: Path) -> Settings:
    return provider_settings(
        database_url,
        provider,
        state_dir,
        nexus_env=Environment.STAGING,
        nexus_internal_secret=INTERNAL_SECRET,
    )


def local_settings(database_url: str, state_dir: Path) -> Settings:
    """Local development with no identity provider: the local signing key in `state_dir`."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        nexus_env=Environment.LOCAL,
        database_url=database_url,
        nexus_state_dir=state_dir,
    )


@asynccontextmanager
async def serve(
    settings: Settings,
    connection: AsyncConnection,
    provider: IdentityProvider,
    **create_app_options: Any,
) -> AsyncIterator[Api]:
    """The app for `settings`, running (lifespan included) over the test's connection."""
    app = create_app(settings, database=Database.pinned_to(connection), **create_app_options)
    async with lifespan(app), Api.over(app, provider) as api:
        yield api


async def post_with(
    api: Api, authorization: str | None, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The viewer query sent with exactly this Authorization header (or none)."""
    sent = dict(headers or {})
    if authorization is not None:
        sent["Authorization"] = authorization
    return await api.post(VIEWER, user=None, headers=sent)


async def post_token(api: Api, token: str, **kwargs: Any) -> httpx.Response:
    return await post_with(api, f"Bearer {token}", **kwargs)


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    """A refusal before execution: this status, and only `{"errors": [one error]}` in the
    shape of transport.md (no `data`)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert set(error) == {"message", "extensions"}, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["extensions"] == {"code": code, "status": status}


def assert_viewer(response: httpx.Response, user: object) -> None:
    """A success for `user`: the viewer is the token's subject, without errors."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["data"] == {"viewer": {"user": {"uuid": str(user)}}}
