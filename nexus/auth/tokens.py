"""Bearer JWT verification: which algorithms a key allows, and the claims we require."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt
from jwt import PyJWK

from nexus.auth.key_set import ALLOWED_ALGORITHMS, KeySource

__all__ = ["LEEWAY_SECONDS", "MAX_TOKEN_BYTES", "InvalidTokenError", "TokenVerifier"]

MAX_TOKEN_BYTES = 8 * 1024
LEEWAY_SECONDS = 60
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
VERIFIED_CACHE_SIZE = 4096


class InvalidTokenError(Exception):
    """The token is malformed, expired, meant for someone else, or not signed by the provider."""


def _issuer(value: object) -> str | None:
    return value.rstrip("/") if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class _Verified:
    user_id: UUID
    kid: str | None
    key: PyJWK
    valid_until: float  # exp plus the leeway, in epoch seconds


class TokenVerifier:
    """Verifies a bearer JWT against the provider's keys and returns its subject.

    A client sends the same token with every request until it expires, and checking its
    signature is the largest cost of a small request (ES256: about 0.3 ms). So the tokens
    verified lately are remembered (bounded, least recently used dropped): the same bytes
    are answered with the same subject while their `exp` holds and the key that verified
    them is still the provider's key for their `kid` (a key dropped from the JWKS drops
    its tokens). Nothing else a verification checks can change with time: `nbf` and
    `iat` once passed stay passed.
    """

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audiences: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` (epoch seconds) is what `exp`, `nbf` and `iat` are checked against, by
        the verification and by the memory of verified tokens alike."""
        if not issuer or not audiences:
            raise ValueError("an issuer and at least one audience are required")
        self.keys = keys
        self.clock = clock
        self.issuer = _issuer(issuer)
        self.audiences = list(audiences)
        self._verified: OrderedDict[str, _Verified] = OrderedDict()

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
        known = self._verified.get(token)
        if known is not None:
            if self.clock() < known.valid_until and await self.keys.key_for(known.kid) is known.key:
                # While the keys were awaited, a concurrent request may have dropped or
                # replaced this entry, or others evicted it: touch it only if still there.
                if self._verified.get(token) is known:
                    self._verified.move_to_end(token)
                return known.user_id
            if self._verified.get(token) is known:
                del self._verified[token]
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
                # The dates are checked below, against our clock and as JSON numbers only.
                options={
                    "require": _REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_iss": False,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from None
        if _issuer(claims["iss"]) != self.issuer:
            raise InvalidTokenError("wrong issuer")
        user_id = _subject(claims["sub"])
        valid_until = _valid_until(claims, self.clock())
        self._remember(token, _Verified(user_id, kid, key, valid_until))
        return user_id

    def _remember(self, token: str, verified: _Verified) -> None:
        self._verified[token] = verified
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)


def _valid_until(claims: dict[str, Any], now: float) -> float:
    """Until when the token is valid (`exp` plus the leeway), checking that `exp` has not
    passed and `nbf` and `iat`, when present, have, each within the leeway. All three
    must be RFC 7519 NumericDates, JSON numbers: PyJWT would take `"1767225600"` too."""
    valid_until = _numeric_date(claims["exp"], "exp") + LEEWAY_SECONDS
    if now >= valid_until:
        raise InvalidTokenError("token expired")
    for name in ("nbf", "iat"):
        if name in claims and _numeric_date(claims[name], name) > now + LEEWAY_SECONDS:
            raise InvalidTokenError(f"token not yet valid ({name})")
    return valid_until


def _numeric_date(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTokenError(f"{name} is not a number")
    return float(value)


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
