"""The internal header and the refusals' shape (nexus/auth/authenticator.py), over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.db.tables import users
from tests.auth.apps import (
    INTERNAL_SECRET,
    VIEWER,
    assert_refused,
    assert_viewer,
    post_token,
    post_with,
    serve,
    staging_settings,
)
from tests.helpers import Api
from tests.identity import IdentityProvider, SigningKey

RIGHT = {"X-Nexus-Internal": INTERNAL_SECRET}


@pytest.fixture
async def staging(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> AsyncIterator[Api]:
    settings = staging_settings(database_url, identity, tmp_path)
    async with serve(settings, connection, identity) as api:
        yield api


async def test_staging_without_the_internal_header_is_403(
    staging: Api, identity: IdentityProvider
) -> None:
    response = await post_token(staging, identity.token(uuid4()))
    assert_refused(response, 403, "E_INTERNAL_ONLY")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "wrong",
        INTERNAL_SECRET[:-1],
        INTERNAL_SECRET + "x",
        f" {INTERNAL_SECRET}",
        INTERNAL_SECRET.upper(),
    ],
)
async def test_staging_with_a_wrong_internal_header_is_403(
    staging: Api, identity: IdentityProvider, header: str
) -> None:
    response = await post_token(
        staging, identity.token(uuid4()), headers={"X-Nexus-Internal": header}
    )
    assert_refused(response, 403, "E_INTERNAL_ONLY")


async def test_staging_with_the_internal_header_sent_twice_is_403(
    staging: Api, identity: IdentityProvider
) -> None:
    response = await staging.http.post(
        "/graphql",
        json={"query": VIEWER},
        headers=[
            ("Authorization", f"Bearer {identity.token(uuid4())}"),
            ("X-Nexus-Internal", INTERNAL_SECRET),
            ("X-Nexus-Internal", INTERNAL_SECRET),
        ],
    )
    assert_refused(response, 403, "E_INTERNAL_ONLY")


async def test_staging_with_the_right_internal_header_and_token_is_200(
    staging: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    assert_viewer(await post_token(staging, identity.token(user), headers=RIGHT), user)


async def test_staging_still_needs_a_valid_token_behind_the_internal_header(
    staging: Api, identity: IdentityProvider
) -> None:
    assert_refused(await post_with(staging, None, headers=RIGHT), 401, "E_UNAUTHENTICATED")
    expired = identity.token(uuid4(), exp=1)
    assert_refused(await post_token(staging, expired, headers=RIGHT), 401, "E_UNAUTHENTICATED")


async def test_internal_header_is_checked_before_the_token(staging: Api) -> None:
    assert_refused(await post_with(staging, None), 403, "E_INTERNAL_ONLY")
    assert_refused(await post_token(staging, "garbage"), 403, "E_INTERNAL_ONLY")


async def test_internal_header_is_checked_before_the_request_is_read(staging: Api) -> None:
    not_json = await staging.http.post(
        "/graphql", content=b"{", headers={"content-type": "text/plain"}
    )
    assert_refused(not_json, 403, "E_INTERNAL_ONLY")
    wrong_method = await staging.http.put("/graphql", json={"query": VIEWER})
    assert_refused(wrong_method, 403, "E_INTERNAL_ONLY")
    no_query = await staging.http.get("/graphql")
    assert_refused(no_query, 403, "E_INTERNAL_ONLY")


async def test_internal_header_is_not_required_outside_staging_and_prod(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    assert_viewer(await post_token(api, identity.token(user)), user)


async def test_provider_unreachable_in_staging_is_503_behind_the_internal_header(
    database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    with IdentityProvider().running() as provider:
        provider.down = True
        settings = staging_settings(database_url, provider, tmp_path)
        async with serve(settings, connection, provider) as api:
            response = await post_token(api, provider.token(uuid4()), headers=RIGHT)
            assert_refused(response, 503, "E_AUTH_UNAVAILABLE")


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_auth_refusals_keep_their_status_whatever_the_media_type(
    staging: Api, identity: IdentityProvider, accept: str
) -> None:
    refused_401 = await post_with(staging, "Bearer nope", headers={**RIGHT, "Accept": accept})
    assert_refused(refused_401, 401, "E_UNAUTHENTICATED")
    refused_403 = await post_token(staging, identity.token(uuid4()), headers={"Accept": accept})
    assert_refused(refused_403, 403, "E_INTERNAL_ONLY")
    for response in (refused_401, refused_403):
        assert response.headers["content-type"] == f"{accept}; charset=utf-8"


async def test_401_names_the_bearer_scheme(api: Api) -> None:
    response = await post_with(api, "Basic YWxpY2U6c2VjcmV0")
    assert_refused(response, 401, "E_UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_in_a_cookie_is_ignored(api: Api, identity: IdentityProvider) -> None:
    token = identity.token(uuid4())
    response = await api.http.post(
        "/graphql",
        json={"query": VIEWER},
        headers={"Cookie": f"access_token={token}; sb-access-token={token}"},
    )
    assert_refused(response, 401, "E_UNAUTHENTICATED")


async def test_scheme_name_is_case_insensitive(api: Api, identity: IdentityProvider) -> None:
    user = uuid4()
    assert_viewer(await post_with(api, f"bearer {identity.token(user)}"), user)


async def test_refused_token_never_reaches_the_resolvers(
    api: Api, identity: IdentityProvider, connection: AsyncConnection
) -> None:
    before = (await connection.execute(select(func.count()).select_from(users))).scalar_one()
    stranger = SigningKey("not-in-the-jwks")
    assert_refused(
        await post_token(api, identity.token(uuid4(), key=stranger)), 401, "E_UNAUTHENTICATED"
    )
    after = (await connection.execute(select(func.count()).select_from(users))).scalar_one()
    assert after == before
