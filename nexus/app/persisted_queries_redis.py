"""The persisted-query store shared by every process through Redis."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["RedisPersistedQueries"]

logger = logging.getLogger("nexus.persisted_queries")


class RedisPersistedQueries:
    """Queries shared by every process through Redis, each kept `ttl_seconds` after it
    was last registered (Redis's own eviction policy bounds the memory)."""

    def __init__(self, url: str, *, ttl_seconds: int = 7 * 86400, timeout: float = 0.5) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )
        self._ttl = ttl_seconds

    @staticmethod
    def _key(sha256_hash: str) -> str:
        return f"nexus:apq:{sha256_hash}"

    async def get(self, sha256_hash: str) -> str | None:
        try:
            # decode_responses=True: a str, which redis-py types as bytes | str.
            query: str | None = await self._redis.get(self._key(sha256_hash))  # type: ignore[assignment]
        except RedisError:
            logger.warning("persisted query store unreachable: answering not found", exc_info=True)
            return None
        return query

    async def put(self, sha256_hash: str, query: str) -> None:
        try:
            await self._redis.set(self._key(sha256_hash), query, ex=self._ttl)
        except RedisError:
            logger.warning("persisted query store unreachable: not remembered", exc_info=True)

    async def aclose(self) -> None:
        await self._redis.aclose()
