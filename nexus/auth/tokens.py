"""Bearer JWT verification: which algorithms a key allows, and the claims we require."""

from __future__ import annotations

import uuid
from typing import Protocol
from uuid import UUID

import jwt
from jwt import PyJWK


class KeySource(Protocol):
    async def key_for(self, kid: str | None) -> PyJWK | None: ...


__all__ = ["InvalidTokenError", "TokenVerifier"]

MAX_TOKEN_BYTES = 8 * 1024
LEEWAY_SECONDS = 60

# Asymmetric only, and only those that fit the key's type: this refuses `none`, HS*
# (an HMAC "signed" with a public key) and any algorithm confusion.
ALGORITHMS_BY_KEY_TYPE: dict[str, tuple[str, ...]] = {
    "RSA": ("RS256",),
    "EC": ("ES256",),
    "OKP": ("EdDSA",),
}


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, or not signed by the provider."""


class TokenVerifier:
    def __init__(self, jwks: KeySource, *, issuer: str | None, audiences: tuple[str, ...]) -> None:
        self.jwks = jwks
        self.issuer = issuer.rstrip("/") if issuer else None
        self.audiences = audiences

    async def verify(self, token: str) -> UUID:
        """The token's subject as a user id; raises InvalidTokenError or JwksUnavailableError."""
        if not token or len(token) > MAX_TOKEN_BYTES:
            raise InvalidTokenError("token empty or too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidTokenError("malformed token") from exc
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidTokenError("malformed kid")
        key = await self.jwks.key_for(kid)
        if key is None:
            raise InvalidTokenError("no key for this token")
        claims = self._decode(token, key, header.get("alg"))
        if self.issuer is not None and str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise InvalidTokenError("wrong issuer")
        try:
            return uuid.UUID(str(claims["sub"]))
        except (KeyError, ValueError) as exc:
            raise InvalidTokenError("sub is not a UUID") from exc

    def _decode(self, token: str, key: PyJWK, algorithm: object) -> dict[str, object]:
        allowed = ALGORITHMS_BY_KEY_TYPE.get(key.key_type, ())
        if algorithm not in allowed:
            raise InvalidTokenError("algorithm not allowed for this key")
        required = (
            ["exp", "sub"] + (["iss"] if self.issuer else []) + (["aud"] if self.audiences else [])
        )
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=list(allowed),
                audience=list(self.audiences) or None,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": required,
                    "verify_aud": bool(self.audiences),
                    "verify_iss": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from exc
