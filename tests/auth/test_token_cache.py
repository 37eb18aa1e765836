"""Verified tokens are remembered (nexus/auth/tokens.py), never past their expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from uuid import uuid4

import pytest
from jwt import PyJWK

from nexus.auth.key_set import StaticJwks
from nexus.auth.tokens import InvalidTokenError, TokenVerifier
from tests.auth.apps import assert_refused, assert_viewer, post_token
from tests.helpers import Api
from tests.identity import AUDIENCE, ISSUER, IdentityProvider


class GatedKeys:
    """A KeySource whose lookups wait while `gate` is closed, as a JWKS refetch for a
    dropped kid waits for the provider: the test decides when waiting requests resume."""

    def __init__(self, published: Mapping[str, PyJWK]) -> None:
        self.published = dict(published)
        self.gate = asyncio.Event()
        self.gate.set()
        self.arrivals: asyncio.Queue[str | None] = asyncio.Queue()

    async def key_for(self, kid: str | None) -> PyJWK | None:
        if not self.gate.is_set():
            self.arrivals.put_nowait(kid)
            await self.gate.wait()
        return self.published.get(kid or "")

    def start_refreshing(self) -> None:
        """Nothing to refresh."""

    async def aclose(self) -> None:
        """Nothing to close."""


class Clock:
    """A clock the test moves: epoch seconds, starting now."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_a_remembered_token_is_refused_once_it_expires(identity: IdentityProvider) -> None:
    clock = Clock()
    keys = StaticJwks({"keys": [identity.key.public_jwk]})
    verifier = TokenVerifier(keys, issuer=ISSUER, audiences=[AUDIENCE], clock=clock)
    user = uuid4()
    expires = int(clock.now) + 300
    token = identity.token(user, exp=expires)
    assert await verifier.verify(token) == user
    clock.now = expires + 59.9  # within the 60 s of leeway
    assert await verifier.verify(token) == user  # answered from memory
    clock.now = expires + 60
    with pytest.raises(InvalidTokenError):
        await verifier.verify(token)


async def test_a_tampered_copy_of_a_remembered_token_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    token = identity.token(user)
    assert_viewer(await post_token(api, token), user)
    header, _claims, signature = token.split(".")
    forged = identity.token(uuid4()).split(".")[1]
    assert_refused(
        await post_token(api, f"{header}.{forged}.{signature}"), 401, "E_UNAUTHENTICATED"
    )


async def test_concurrent_requests_with_a_remembered_token_whose_key_was_dropped_are_refused(
    identity: IdentityProvider,
) -> None:
    keys = GatedKeys({identity.key.kid: PyJWK(identity.key.public_jwk)})
    verifier = TokenVerifier(keys, issuer=ISSUER, audiences=[AUDIENCE])
    user = uuid4()
    token = identity.token(user)
    assert await verifier.verify(token) == user  # remembered
    keys.published.clear()  # the provider dropped the key
    keys.gate.clear()
    both = [asyncio.create_task(verifier.verify(token)) for _ in range(2)]
    # Both requests found the remembered token and wait for the keys: then both resume.
    await keys.arrivals.get()
    await keys.arrivals.get()
    keys.gate.set()
    outcomes = await asyncio.gather(*both, return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [InvalidTokenError, InvalidTokenError]
