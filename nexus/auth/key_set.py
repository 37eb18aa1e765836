"""A JWKS document turned into the keys we verify with, looked up by `kid`.

Only asymmetric signing keys of the algorithms we accept survive: an HMAC (`oct`) key,
an encryption key or a P-384 curve in the provider's JWKS is ignored, never trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from jwt import PyJWK
from jwt.exceptions import PyJWTError

__all__ = ["ALLOWED_ALGORITHMS", "KeySet", "KeySource", "StaticJwks"]

logger = logging.getLogger("nexus.auth")

# The only algorithms we verify, each with the one key type (`kty`) that may carry it.
ALLOWED_ALGORITHMS: Mapping[str, str] = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}


class KeySource(Protocol):
    """Where the verifier finds a key by `kid`; the app starts and stops it."""

    async def key_for(self, kid: str | None) -> PyJWK | None: ...

    def start_refreshing(self) -> None: ...

    async def aclose(self) -> None: ...


def _usable_key(entry: object) -> PyJWK | None:
    if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
        return None
    try:
        key = PyJWK(entry)
    except (PyJWTError, ValueError, TypeError, KeyError):
        logger.warning("ignoring an unreadable JWKS key (kid %r)", entry.get("kid"))
        return None
    if ALLOWED_ALGORITHMS.get(key.algorithm_name) != key.key_type:
        logger.warning(
            "ignoring JWKS key %r: %s/%s is not accepted",
            entry.get("kid"),
            key.key_type,
            key.algorithm_name,
        )
        return None
    return key


class KeySet:
    """Immutable keys by `kid` (None for a key published without one)."""

    def __init__(self, keys: Mapping[str | None, PyJWK]) -> None:
        self._keys = dict(keys)

    @classmethod
    def from_document(cls, document: object) -> KeySet:
        """The usable keys of a JWKS document; ValueError when it is not a JWKS at all."""
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWKS document (no 'keys' list)")
        keys: dict[str | None, PyJWK] = {}
        for entry in document["keys"]:
            key = _usable_key(entry)
            if key is not None:
                kid = entry.get("kid")
                keys[kid if isinstance(kid, str) else None] = key
        return cls(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, kid: str | None) -> PyJWK | None:
        """The key named `kid`; a token without `kid` fits only a set of exactly one key."""
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)


class StaticJwks:
    """A key set known in advance (the local development key): nothing to fetch."""

    def __init__(self, document: Mapping[str, object]) -> None:
        self._keys = KeySet.from_document(dict(document))

    async def key_for(self, kid: str | None) -> PyJWK | None:
        return self._keys.lookup(kid)

    def start_refreshing(self) -> None:
        """Nothing to refresh."""

    async def aclose(self) -> None:
        """Nothing to close."""
