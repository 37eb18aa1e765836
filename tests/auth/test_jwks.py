"""How the provider's keys are fetched and kept (nexus/auth/jwks.py). Each test runs its
own identity provider, so rotations, outages and fetch counts touch no other test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.auth.apps import assert_refused, assert_viewer, post_token, provider_settings, serve
from tests.identity import IdentityProvider, SigningKey


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    with IdentityProvider().running() as provider:
        yield provider


async def _eventually(condition: Callable[[], bool]) -> None:
    """Wait for the provider's thread to have seen what we expect. The 30 s are a generous
    bound against a hang, not a measure: the background refresh runs every 0.05-0.1 s."""
    for _ in range(1500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met within 30 s")


async def test_rotated_key_is_accepted_without_restart(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, provider, tmp_path)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        old_token = provider.token(user)
        assert_viewer(await post_token(api, old_token), user)
        new_key = SigningKey("test-key-2")
        provider.keys = [new_key]
        assert_viewer(await post_token(api, provider.token(user, key=new_key)), user)
        # The retired key went with the refetch.
        assert_refused(await post_token(api, old_token), 401, "E_UNAUTHENTICATED")


async def test_provider_down_from_the_start_is_503_until_it_returns(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    provider.down = True
    settings = provider_settings(database_url, provider, tmp_path)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_refused(await post_token(api, provider.token(user)), 503, "E_AUTH_UNAVAILABLE")
        provider.down = False
        # With no key at all, the client retries once a second: a slower machine only
        # waits longer than that, never less.
        await asyncio.sleep(1.1)
        assert_viewer(await post_token(api, provider.token(user)), user)


async def test_provider_down_after_keys_were_cached_still_serves(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, provider, tmp_path)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_viewer(await post_token(api, provider.token(user)), user)
        provider.down = True
        assert_viewer(await post_token(api, provider.token(user)), user)


async def test_failed_refresh_keeps_the_last_good_keys(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, provider, tmp_path, nexus_jwks_refresh_seconds=0.05)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_viewer(await post_token(api, provider.token(user)), user)
        provider.down = True
        failed_from = provider.fetches
        await _eventually(lambda: provider.fetches >= failed_from + 2)
        assert_viewer(await post_token(api, provider.token(user)), user)


async def test_unknown_kid_while_the_provider_fails_is_503_not_401(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    # It may be signed by a key we could not fetch: the client should retry, not sign out.
    settings = provider_settings(database_url, provider, tmp_path)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_viewer(await post_token(api, provider.token(user)), user)
        provider.down = True
        token = provider.token(user, key=SigningKey("rotated-while-down"))
        assert_refused(await post_token(api, token), 503, "E_AUTH_UNAVAILABLE")


async def test_flood_of_unknown_kids_causes_at_most_one_fetch(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, provider, tmp_path)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_viewer(await post_token(api, provider.token(user)), user)
        before = provider.fetches
        claims = provider.claims(user)
        tokens = [provider.key.sign(claims, headers={"kid": f"bogus-{i}"}) for i in range(100)]
        responses = await asyncio.gather(*(post_token(api, token) for token in tokens))
        for response in responses:
            assert_refused(response, 401, "E_UNAUTHENTICATED")
        assert provider.fetches - before <= 1
        # And the rate limit holds for the next wave too.
        assert_refused(await post_token(api, tokens[0]), 401, "E_UNAUTHENTICATED")
        assert provider.fetches - before <= 1


async def test_background_refresh_picks_up_new_keys(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, provider, tmp_path, nexus_jwks_refresh_seconds=0.1)
    async with serve(settings, connection, provider) as api:
        user = uuid4()
        assert_viewer(await post_token(api, provider.token(user)), user)
        new_key = SigningKey("test-key-2")
        provider.keys = [provider.key, new_key]
        published_at = provider.fetches
        await _eventually(lambda: provider.fetches >= published_at + 2)
        # With the provider down, only keys already refreshed in the background can serve.
        provider.down = True
        assert_viewer(await post_token(api, provider.token(user, key=new_key)), user)


async def test_slow_provider_times_out_as_503(
    provider: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    # The provider would answer, with good keys, after 20 s: the 503 proves the fetch was
    # abandoned. The 10 s bound is generous (the timeout is 0.3 s) so a loaded machine
    # passes, and still well short of the provider's delay.
    provider.delay = 20.0
    settings = provider_settings(database_url, provider, tmp_path, nexus_jwks_timeout_seconds=0.3)
    async with serve(settings, connection, provider) as api:
        started = time.monotonic()
        response = await post_token(api, provider.token(uuid4()))
        assert_refused(response, 503, "E_AUTH_UNAVAILABLE")
        assert time.monotonic() - started < 10.0


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "a", "key", "set"]),
        httpx.Response(200, json={"keys": []}),
        httpx.Response(200, json={"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "test-key-1"}]}),
        httpx.Response(302, headers={"Location": "https://elsewhere.test/jwks.json"}),
    ],
)
async def test_answer_without_a_usable_key_is_503(
    identity: IdentityProvider,
    database_url: str,
    connection: AsyncConnection,
    tmp_path: Path,
    answer: httpx.Response,
) -> None:
    settings = provider_settings(database_url, identity, tmp_path)
    transport = httpx.MockTransport(lambda _request: answer)
    async with serve(settings, connection, identity, jwks_transport=transport) as api:
        assert_refused(await post_token(api, identity.token(uuid4())), 503, "E_AUTH_UNAVAILABLE")


async def test_stub_transport_serves_the_keys_it_answers(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    requested: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requested.append(request)
        return httpx.Response(200, json={"keys": [identity.key.public_jwk]})

    settings = provider_settings(database_url, identity, tmp_path)
    transport = httpx.MockTransport(answer)
    async with serve(settings, connection, identity, jwks_transport=transport) as api:
        user = uuid4()
        assert_viewer(await post_token(api, identity.token(user)), user)
    assert str(requested[0].url) == identity.url
