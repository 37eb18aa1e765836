"""Local development without an identity provider (nexus/auth/local_keys.py): the kept
key, `nexus token`, the dev JWKS route and GraphiQL's token; none of it outside local."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from uuid import UUID, uuid4

import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.auth.local_keys import DEV_USER_ID, KEY_FILE, LocalSigningKey
from nexus.config import Environment
from tests.auth.apps import (
    INTERNAL_SECRET,
    assert_refused,
    assert_viewer,
    local_settings,
    post_token,
    provider_settings,
    serve,
    staging_settings,
)
from tests.identity import IdentityProvider

REPO = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}


def nexus_token(state_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`nexus token …` as a developer runs it, in local mode unless `env` says otherwise."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))}
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "nexus", "token", *args],
        env={**clean, "PYTHONPATH": str(REPO), "NEXUS_STATE_DIR": str(state_dir), **env},
        cwd=state_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_nexus_token_works_against_a_local_app(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    user = uuid4()
    minted = nexus_token(state, "--sub", str(user))
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    async with serve(local_settings(database_url, state), connection, identity) as api:
        assert_viewer(await post_token(api, token), user)


def test_nexus_token_defaults_to_the_dev_user_for_an_hour(tmp_path: Path) -> None:
    minted = nexus_token(tmp_path / "state")
    assert minted.returncode == 0, minted.stderr
    claims = claims_of(minted.stdout.strip())
    assert claims["sub"] == str(DEV_USER_ID)
    assert claims["exp"] - claims["iat"] == 3600  # type: ignore[operator]
    shorter = claims_of(nexus_token(tmp_path / "state", "--ttl", "30m").stdout.strip())
    assert shorter["exp"] - shorter["iat"] == 1800  # type: ignore[operator]


@pytest.mark.parametrize("ttl", ["0", "-5", "1w", "soon"])
def test_nexus_token_refuses_a_lifetime_that_is_not_positive(tmp_path: Path, ttl: str) -> None:
    minted = nexus_token(tmp_path / "state", "--ttl", ttl)
    assert minted.returncode == 2
    assert "--ttl" in minted.stderr
    assert minted.stdout == ""


def test_nexus_token_refuses_when_an_identity_provider_is_configured(tmp_path: Path) -> None:
    minted = nexus_token(
        tmp_path / "state",
        NEXUS_JWKS_URL="https://example.supabase.co/auth/v1/.well-known/jwks.json",
        NEXUS_JWT_ISSUER="https://example.supabase.co/auth/v1",
        NEXUS_JWT_AUDIENCE="authenticated",
    )
    assert minted.returncode == 2
    assert minted.stdout == ""
    assert "NEXUS_JWKS_URL" in minted.stderr
    assert not (tmp_path / "state" / KEY_FILE).exists()


def test_local_key_is_created_once_private_and_kept(tmp_path: Path) -> None:
    first = LocalSigningKey.load_or_create(tmp_path / "state")
    path = tmp_path / "state" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert LocalSigningKey.load_or_create(tmp_path / "state").kid == first.kid
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]


async def test_dev_jwks_route_publishes_only_the_public_local_key(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = local_settings(database_url, tmp_path / "state")
    async with serve(settings, connection, identity) as api:
        response = await api.http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    assert "d" not in key
    local_key = LocalSigningKey.load_or_create(tmp_path / "state")
    assert key["kid"] == jwt.get_unverified_header(local_key.mint())["kid"]


async def test_local_app_trusts_only_its_own_key(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = local_settings(database_url, tmp_path / "state")
    async with serve(settings, connection, identity) as api:
        response = await post_token(api, identity.token(uuid4()))
    assert_refused(response, 401, "E_UNAUTHENTICATED")


async def test_graphiql_in_local_opens_with_a_token_for_the_dev_user(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = local_settings(database_url, tmp_path / "state")
    async with serve(settings, connection, identity) as api:
        page = await api.http.get("/graphql", headers=HTML)
        assert page.headers["content-type"].startswith("text/html")
        match = re.search(r"Bearer ([\w-]+\.[\w-]+\.[\w-]+)", page.text)
        assert match, page.text
        assert_viewer(await post_token(api, match[1]), DEV_USER_ID)
    assert UUID(str(claims_of(match[1])["sub"])) == DEV_USER_ID


@pytest.mark.parametrize("env", [Environment.TEST, Environment.STAGING])
async def test_dev_key_and_its_jwks_route_exist_only_in_local(
    identity: IdentityProvider,
    database_url: str,
    connection: AsyncConnection,
    tmp_path: Path,
    env: Environment,
) -> None:
    state = tmp_path / "state"
    if env is Environment.STAGING:
        settings = staging_settings(database_url, identity, state)
    else:
        settings = provider_settings(database_url, identity, state)
    async with serve(settings, connection, identity) as api:
        for headers in ({}, {"X-Nexus-Internal": INTERNAL_SECRET}):
            response = await api.http.get("/.well-known/jwks.json", headers=headers)
            assert response.status_code == 404
    assert not (state / KEY_FILE).exists()


async def test_graphiql_is_absent_in_staging(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = staging_settings(database_url, identity, tmp_path / "state")
    async with serve(settings, connection, identity) as api:
        for headers in (HTML, {**HTML, "X-Nexus-Internal": INTERNAL_SECRET}):
            page = await api.http.get("/graphql", headers=headers)
            assert not page.headers["content-type"].startswith("text/html")
            assert "Bearer" not in page.text
