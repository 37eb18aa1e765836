"""The identity provider's keys, fetched over HTTP and kept in process.

- The first fetch starts with the app, in the background; later ones run every
  `refresh_seconds` (sooner after a failure) and never block a request.
- A token naming an unknown `kid` triggers one refetch, at most once per 30 s, so a flood
  of bogus kids cannot hammer the provider. Concurrent callers share one fetch.
- A failed fetch, or one that yields no usable key, keeps the last good keys.
- No key at all because the provider cannot be reached raises `JwksUnavailableError`
  (503); so does an unknown `kid` while the provider is failing, since the token may be
  signed by a key we could not fetch yet and the client should retry, not sign out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx
from jwt import PyJWK

from nexus.auth.key_set import KeySet

__all__ = ["JwksClient", "JwksUnavailableError"]

logger = logging.getLogger("nexus.auth")

UNKNOWN_KID_REFETCH_SECONDS = 30.0
# With no key at all every request would ask again: once a second is enough.
NO_KEYS_RETRY_SECONDS = 1.0
RETRY_AFTER_FAILURE_SECONDS = 60.0


class JwksUnavailableError(Exception):
    """The provider could not be reached and no usable key is cached."""


class JwksClient:
    def __init__(
        self,
        url: str,
        *,
        refresh_seconds: float = 6 * 3600,
        timeout_seconds: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`transport` lets tests answer with an httpx stub instead of a real provider."""
        self.url = url
        self.refresh_seconds = refresh_seconds
        self._http = httpx.AsyncClient(
            timeout=timeout_seconds, transport=transport, headers={"Accept": "application/json"}
        )
        self._keys = KeySet({})
        self._lock = asyncio.Lock()
        self._attempts = 0
        self._last_attempt = float("-inf")
        self._last_kid_refetch = float("-inf")
        self._last_fetch_failed = False
        self._refresher: asyncio.Task[None] | None = None

    async def key_for(self, kid: str | None) -> PyJWK | None:
        """The key named `kid` (or the only key when the token names none); None if unknown."""
        if not self._keys:
            await self._fetch_first_keys()
            if not self._keys:
                raise JwksUnavailableError(self.url)
        key = self._keys.lookup(kid)
        if key is None and kid is not None:
            await self._refetch_for_unknown_kid()
            key = self._keys.lookup(kid)
            if key is None and self._last_fetch_failed:
                raise JwksUnavailableError(self.url)
        return key

    async def _fetch_first_keys(self) -> None:
        seen = self._attempts
        async with self._lock:
            # Whoever waited behind another caller's attempt takes its outcome.
            if self._attempts != seen or self._keys:
                return
            if time.monotonic() - self._last_attempt < NO_KEYS_RETRY_SECONDS:
                return
            await self._fetch()

    async def _refetch_for_unknown_kid(self) -> None:
        if time.monotonic() - self._last_kid_refetch < UNKNOWN_KID_REFETCH_SECONDS:
            return
        seen = self._attempts
        async with self._lock:
            if self._attempts != seen:
                return
            if time.monotonic() - self._last_kid_refetch < UNKNOWN_KID_REFETCH_SECONDS:
                return
            self._last_kid_refetch = time.monotonic()
            await self._fetch()

    async def _fetch(self) -> None:
        """One fetch; keeps the last good keys on any failure. Call with the lock held."""
        self._attempts += 1
        self._last_attempt = time.monotonic()
        try:
            response = await self._http.get(self.url)
            response.raise_for_status()
            keys = KeySet.from_document(response.json())
            if not keys:
                raise ValueError("no usable signing key in the JWKS")
        except (httpx.HTTPError, ValueError) as exc:
            self._last_fetch_failed = True
            reason = str(exc) or type(exc).__name__
            logger.warning("JWKS fetch from %s failed: %s", self.url, reason)
            return
        self._keys = keys
        self._last_fetch_failed = False

    def start_refreshing(self) -> None:
        """Fetch now and then every `refresh_seconds`, in the background."""
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(
                self._refresh_forever(), name="jwks-refresh"
            )

    async def _refresh_forever(self) -> None:
        async with self._lock:
            # A request may have fetched the keys while this task was starting.
            if not self._keys:
                await self._refresh_once()
        while True:
            delay = self.refresh_seconds
            if self._last_fetch_failed:
                delay = min(delay, RETRY_AFTER_FAILURE_SECONDS)
            await asyncio.sleep(delay)
            async with self._lock:
                await self._refresh_once()

    async def _refresh_once(self) -> None:
        try:
            await self._fetch()
        except Exception:
            # A dead refresher would freeze the keys silently: log and keep going.
            logger.exception("JWKS refresh crashed")

    async def aclose(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        await self._http.aclose()
