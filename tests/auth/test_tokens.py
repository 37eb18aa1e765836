"""The rules a bearer JWT must pass (nexus/auth/tokens.py), through HTTP with real tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.auth.apps import (
    assert_refused,
    assert_viewer,
    post_token,
    post_with,
    provider_settings,
    serve,
)
from tests.helpers import Api
from tests.identity import IdentityProvider, SigningKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_parts(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


async def test_no_token_is_401(api: Api) -> None:
    assert_refused(await post_with(api, None), 401, "E_UNAUTHENTICATED")


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", "Bearer    "])
async def test_empty_bearer_is_401(api: Api, authorization: str) -> None:
    assert_refused(await post_with(api, authorization), 401, "E_UNAUTHENTICATED")


async def test_basic_auth_is_401(api: Api) -> None:
    basic = "Basic " + base64.b64encode(b"alice:secret").decode()
    assert_refused(await post_with(api, basic), 401, "E_UNAUTHENTICATED")


@pytest.mark.parametrize(
    "token", ["garbage", "not.a.jwt", "eyJhbGciOiJSUzI1NiJ9", "a.b.c.d.e", "..", "Bearer x"]
)
async def test_garbage_token_is_401(api: Api, token: str) -> None:
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_token_expired_90_seconds_ago_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    token = identity.token(uuid4(), exp=int(time.time()) - 90)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_token_expired_30_seconds_ago_passes_within_the_leeway(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    token = identity.token(user, exp=int(time.time()) - 30)
    assert_viewer(await post_token(api, token), user)


async def test_token_not_yet_valid_is_refused(api: Api, identity: IdentityProvider) -> None:
    token = identity.token(uuid4(), nbf=int(time.time()) + 120)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_token_issued_in_the_future_is_refused(api: Api, identity: IdentityProvider) -> None:
    token = identity.token(uuid4(), iat=int(time.time()) + 120)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub"])
async def test_token_without_a_required_claim_is_refused(
    api: Api, identity: IdentityProvider, claim: str
) -> None:
    claims = {k: v for k, v in identity.claims(uuid4()).items() if k != claim}
    token = identity.key.sign(claims)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_wrong_issuer_is_refused(api: Api, identity: IdentityProvider) -> None:
    token = identity.token(uuid4(), iss="https://someone-else.test/")
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_issuer_matches_whatever_its_trailing_slash(
    api: Api,
    identity: IdentityProvider,
    database_url: str,
    connection: AsyncConnection,
    tmp_path: Path,
) -> None:
    # The test provider's issuer is configured as "https://issuer.test/".
    user = uuid4()
    assert_viewer(await post_token(api, identity.token(user, iss="https://issuer.test")), user)
    settings = provider_settings(
        database_url, identity, tmp_path, nexus_jwt_issuer="https://issuer.test"
    )
    async with serve(settings, connection, identity) as without_slash:
        token = identity.token(user, iss="https://issuer.test/")
        assert_viewer(await post_token(without_slash, token), user)


async def test_wrong_audience_is_refused(api: Api, identity: IdentityProvider) -> None:
    token = identity.token(uuid4(), aud="another-api")
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_any_of_several_configured_audiences_is_accepted(
    identity: IdentityProvider, database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = provider_settings(
        database_url, identity, tmp_path, nexus_jwt_audience="nexus-mobile, nexus-test"
    )
    user = uuid4()
    async with serve(settings, connection, identity) as api:
        for audience in ("nexus-mobile", "nexus-test", ["account", "nexus-mobile"]):
            assert_viewer(await post_token(api, identity.token(user, aud=audience)), user)
        refused = identity.token(user, aud=["account", "nexus-admin"])
        assert_refused(await post_token(api, refused), 401, "E_UNAUTHENTICATED")


async def test_unknown_kid_is_refused(api: Api, identity: IdentityProvider) -> None:
    stranger = SigningKey("not-in-the-jwks")
    token = identity.token(uuid4(), key=stranger)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_token_signed_by_another_key_under_a_known_kid_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    impostor = SigningKey(identity.key.kid)
    token = identity.token(uuid4(), key=impostor)
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_alg_none_is_refused(api: Api, identity: IdentityProvider) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": identity.key.kid}
    token = _unsigned_parts(header, identity.claims(uuid4())) + "."
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_hs256_signed_with_the_public_key_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    # The classic algorithm confusion: an HMAC whose secret is the provider's public key.
    public_pem = identity.key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": identity.key.kid}
    signing_input = _unsigned_parts(header, identity.claims(uuid4()))
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(signature)}"
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_algorithm_that_does_not_fit_the_key_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    # ES256 claimed (and validly signed with some EC key) under the RSA key's kid.
    token = SigningKey("ec", "ES256").sign(
        identity.claims(uuid4()), headers={"kid": identity.key.kid}
    )
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_es256_and_eddsa_keys_are_accepted(
    database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    with IdentityProvider().running() as provider:
        keys = [SigningKey("ec-1", "ES256"), SigningKey("ed-1", "EdDSA")]
        provider.keys = [provider.key, *keys]
        settings = provider_settings(database_url, provider, tmp_path)
        async with serve(settings, connection, provider) as api:
            for key in keys:
                user = uuid4()
                assert_viewer(await post_token(api, provider.token(user, key=key)), user)


@pytest.mark.parametrize(
    "sub",
    [
        "user-42",
        "248289761001",  # a Zitadel-style numeric id
        "{12345678-1234-4234-8234-123456789abc}",
        "123456781234423482341234567890ab",
        "urn:uuid:12345678-1234-4234-8234-123456789abc",
        "",
    ],
)
async def test_sub_that_is_not_a_uuid_is_refused(
    api: Api, identity: IdentityProvider, sub: str
) -> None:
    token = identity.key.sign({**identity.claims(uuid4()), "sub": sub})
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


async def test_token_up_to_8_kb_passes_and_larger_is_refused(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    base = len(identity.token(user, pad=""))
    # Every 3 bytes of padding add 4 characters to the token.
    fitting = identity.token(user, pad="x" * ((8192 - base) * 3 // 4))
    assert 8180 < len(fitting) <= 8192
    assert_viewer(await post_token(api, fitting), user)
    oversized = identity.token(user, pad="x" * ((8192 - base) * 3 // 4 + 3))
    assert len(oversized) > 8192
    assert_refused(await post_token(api, oversized), 401, "E_UNAUTHENTICATED")


async def test_token_without_kid_is_accepted_when_the_jwks_has_one_key(
    api: Api, identity: IdentityProvider
) -> None:
    user = uuid4()
    token = jwt.encode(identity.claims(user), identity.key.private_key, algorithm="RS256")
    assert "kid" not in jwt.get_unverified_header(token)
    assert_viewer(await post_token(api, token), user)


async def test_token_without_kid_is_refused_when_the_jwks_has_several_keys(
    database_url: str, connection: AsyncConnection, tmp_path: Path
) -> None:
    with IdentityProvider().running() as provider:
        provider.keys = [provider.key, SigningKey("test-key-2")]
        settings = provider_settings(database_url, provider, tmp_path)
        async with serve(settings, connection, provider) as api:
            token = jwt.encode(
                provider.claims(uuid4()), provider.key.private_key, algorithm="RS256"
            )
            assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(int(time.time()) + 300)},
        {"exp": True},
        {"nbf": str(int(time.time()) - 10)},
        {"iat": str(int(time.time()))},
    ],
    ids=["exp-numeric-string", "exp-boolean", "nbf-numeric-string", "iat-numeric-string"],
)
async def test_a_date_claim_that_is_not_a_json_number_is_refused(
    api: Api, identity: IdentityProvider, claims: dict[str, object]
) -> None:
    # RFC 7519's NumericDate is a JSON number; PyJWT alone would take "1767225600".
    token = identity.key.sign({**identity.claims(uuid4()), **claims})
    assert_refused(await post_token(api, token), 401, "E_UNAUTHENTICATED")
