"""Bearer JWT verification: which algorithms a key allows, and the claims we require."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import jwt

from nexus.auth.key_set import ALLOWED_ALGORITHMS, KeySource

__all__ = ["LEEWAY_SECONDS", "MAX_TOKEN_BYTES", "InvalidTokenError", "TokenVerifier"]

MAX_TOKEN_BYTES = 8 * 1024
LEEWAY_SECONDS = 60
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class InvalidTokenError(Exception):
    """The token is malformed, expired, meant for someone else, or not signed by the provider."""


def _issuer(value: object) -> str | None:
    return value.rstrip("/") if isinstance(value, str) else None


class TokenVerifier:
    """Verifies a bearer JWT against the provider's keys and returns its subject."""

    def __init__(self, keys: KeySource, *, issuer: str, audiences: Sequence[str]) -> None:
        if not issuer or not audiences:
            raise ValueError("an issuer and at least one audience are required")
        self.keys = keys
        self.issuer = _issuer(issuer)
        self.audiences = list(audiences)

    async def verify(self, token: str) -> UUID:
        """The token's `sub` as a user id.

        The header's `alg` must be one we accept and the very algorithm of the key its
        `kid` names (so `none`, HS* keyed with a public key, and RS/ES confusion all
        fail); `exp`, `iss`, `aud` and a UUID `sub` are required, `nbf` is checked when
        present, with 60 s of leeway. Raises InvalidTokenError, or JwksUnavailableError
        when the provider's keys cannot be had.
        """
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidTokenError("token larger than 8 KB")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"malformed token: {exc}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        # Refused before any key lookup, so such tokens never make us call the provider.
        if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
            raise InvalidTokenError(f"algorithm {algorithm!r} is not accepted")
        if kid is not None and not isinstance(kid, str):
            raise InvalidTokenError("malformed kid")
        key = await self.keys.key_for(kid)
        if key is None:
            raise InvalidTokenError(f"no key for kid {kid!r}")
        try:
            # Given a PyJWK, PyJWT also refuses a header `alg` other than the key's own.
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audiences,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": _REQUIRED_CLAIMS,
                    "verify_iss": False,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from None
        if _issuer(claims["iss"]) != self.issuer:
            raise InvalidTokenError("wrong issuer")
        return _subject(claims["sub"])


def _subject(sub: object) -> UUID:
    """`sub` in the canonical 8-4-4-4-12 form: it becomes `users.id` as it is."""
    if not isinstance(sub, str):
        raise InvalidTokenError("sub is not a string")
    try:
        user_id = UUID(sub)
    except ValueError:
        raise InvalidTokenError("sub is not a UUID") from None
    if str(user_id) != sub.lower():
        raise InvalidTokenError("sub is not a UUID in canonical form")
    return user_id
