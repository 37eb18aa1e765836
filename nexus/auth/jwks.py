"""An async JWKS client: keys cached in process, refreshed in the background, refetched
(rate-limited) on an unknown `kid`, and the last good keys kept when the provider fails."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

__all__ = ["JwksClient", "JwksUnavailableError"]

logger = logging.getLogger("nexus.auth")

FETCH_TIMEOUT_SECONDS = 3.0
UNKNOWN_KID_REFETCH_INTERVAL = 30.0


class JwksUnavailableError(Exception):
    """The provider could not be reached and no usable key is cached."""


class JwksClient:
    def __init__(
        self,
        url: str,
        *,
        refresh_seconds: float = 6 * 3600,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.refresh_seconds = refresh_seconds
        self._http = http or httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS)
        self._keys: dict[str | None, PyJWK] = {}
        self._fetched = False
        self._last_attempt = float("-inf")
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None
        self.fetch_count = 0

    @property
    def keys(self) -> list[PyJWK]:
        return list(self._keys.values())

    async def _fetch(self) -> None:
        self._last_attempt = time.monotonic()
        self.fetch_count += 1
        response = await self._http.get(self.url)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        keys: dict[str | None, PyJWK] = {}
        for entry in document.get("keys", []):
            if entry.get("use", "sig") != "sig":
                continue
            try:
                key = PyJWK(entry)
            except PyJWKError:
                logger.warning("ignoring unusable JWKS key %s", entry.get("kid"))
                continue
            keys[entry.get("kid")] = key
        self._keys = keys
        self._fetched = True

    async def _try_fetch(self) -> None:
        try:
            await self._fetch()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("JWKS fetch from %s failed: %s", self.url, exc)

    async def key_for(self, kid: str | None) -> PyJWK | None:
        """The key for `kid` (or the only key when the token names none); None if unknown."""
        if not self._fetched:
            async with self._lock:
                if not self._fetched:
                    await self._try_fetch()
            if not self._fetched:
                raise JwksUnavailableError(self.url)
        key = self._lookup(kid)
        if key is None and time.monotonic() - self._last_attempt >= UNKNOWN_KID_REFETCH_INTERVAL:
            async with self._lock:
                if time.monotonic() - self._last_attempt >= UNKNOWN_KID_REFETCH_INTERVAL:
                    await self._try_fetch()
            key = self._lookup(kid)
        return key

    def _lookup(self, kid: str | None) -> PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def start_refreshing(self) -> None:
        """Refresh the keys every `refresh_seconds` in the background (never blocks requests)."""
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            async with self._lock:
                await self._try_fetch()

    async def aclose(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        await self._http.aclose()
