"""Verified tokens are remembered (nexus/auth/tokens.py), never past their expiry."""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

from tests.auth.apps import assert_refused, assert_viewer, post_token
from tests.helpers import Api
from tests.identity import IdentityProvider


async def test_a_remembered_token_is_refused_once_it_expires(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    # Valid for a few more seconds: 56 s past exp, within the 60 s of leeway (a margin
    # so that a busy machine still answers both requests before the leeway runs out).
    expires = int(time.time()) - 56
    token = identity.token(user, exp=expires)
    assert_viewer(await post_token(api, token), user)
    assert_viewer(await post_token(api, token), user)  # answered from memory
    await asyncio.sleep(max(0.0, expires + 60 - time.time()) + 0.2)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


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
