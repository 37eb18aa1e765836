"""Automatic persisted queries, Apollo's protocol.

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": …}` without the
query text (over GET, so CDNs and browsers can cache it). Until the server knows the hash
it answers `PERSISTED_QUERY_NOT_FOUND`; the client then sends the text with the hash once,
the server checks that the hash is the text's SHA-256 and remembers it. The store is a
bounded in-process LRU, or Redis when several processes should share what they learned.
Redis failures degrade to "not found" (the client resends the text), never to an error.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any, Protocol

from nexus.app.transport_errors import malformed_request
from nexus.errors import STATUS_BY_CODE, ErrorCode, NexusError

__all__ = [
    "MemoryPersistedQueries",
    "PersistedQueries",
    "PersistedQueryNotFoundError",
    "PersistedQueryStore",
    "persisted_query_store",
]


_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


class PersistedQueryNotFoundError(Exception):
    """The hash is unknown: the client must send the query text with it once."""

    def formatted(self) -> dict[str, Any]:
        # The message and code are what Apollo's PersistedQueryLink looks for.
        return {
            "message": "PersistedQueryNotFound",
            "extensions": {
                "code": ErrorCode.PERSISTED_QUERY_NOT_FOUND.value,
                "status": STATUS_BY_CODE[ErrorCode.PERSISTED_QUERY_NOT_FOUND],
            },
        }


class PersistedQueryStore(Protocol):
    async def get(self, sha256_hash: str) -> str | None: ...

    async def put(self, sha256_hash: str, query: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryPersistedQueries:
    """This process's queries, least recently used dropped first, bounded both in count
    and in total characters (one query may be as large as a request body)."""

    def __init__(self, *, max_entries: int = 5000, max_chars: int = 16 * 1024 * 1024) -> None:
        self._max_entries = max_entries
        self._max_chars = max_chars
        self._chars = 0
        self._queries: OrderedDict[str, str] = OrderedDict()

    async def get(self, sha256_hash: str) -> str | None:
        query = self._queries.get(sha256_hash)
        if query is not None:
            self._queries.move_to_end(sha256_hash)
        return query

    async def put(self, sha256_hash: str, query: str) -> None:
        if len(query) > self._max_chars or sha256_hash in self._queries:
            return
        self._queries[sha256_hash] = query
        self._chars += len(query)
        while len(self._queries) > self._max_entries or self._chars > self._max_chars:
            _, dropped = self._queries.popitem(last=False)
            self._chars -= len(dropped)

    async def aclose(self) -> None:
        """Nothing to release."""


def persisted_query_store(redis_url: str | None) -> PersistedQueryStore:
    """Redis when a URL is configured, else this process's memory. The Redis client is
    imported only then: it is 23 MB of every worker's memory."""
    if not redis_url:
        return MemoryPersistedQueries()
    from nexus.app.persisted_queries_redis import RedisPersistedQueries  # noqa: PLC0415

    return RedisPersistedQueries(redis_url)


def _invalid(message: str) -> NexusError:
    return NexusError(ErrorCode.E_INVALID_REQUEST, message)


class PersistedQueries:
    """Turns a request's `query` and `extensions` into the query text to run."""

    def __init__(self, store: PersistedQueryStore) -> None:
        self.store = store

    async def resolve(self, query: str | None, extensions: dict[str, Any]) -> str:
        """The query text: the request's own, or the one registered under its hash.
        A `persistedQuery` that is not `{version: 1, sha256Hash}` is a malformed request
        (400); a hash that is not the SHA-256 of the query sent with it is E_INVALID_REQUEST."""
        persisted = extensions.get("persistedQuery")
        if persisted is None:
            if query is None:
                raise malformed_request("The request has no 'query'.")
            return query
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise malformed_request("'extensions.persistedQuery' must be {version: 1, sha256Hash}.")
        sha256_hash = persisted.get("sha256Hash")
        if not isinstance(sha256_hash, str) or not _SHA256_HEX.fullmatch(sha256_hash):
            raise malformed_request("'persistedQuery.sha256Hash' must be a hex SHA-256.")
        sha256_hash = sha256_hash.lower()
        if query is None:
            stored = await self.store.get(sha256_hash)
            if stored is None:
                raise PersistedQueryNotFoundError
            return stored
        if hashlib.sha256(query.encode()).hexdigest() != sha256_hash:
            raise _invalid("'persistedQuery.sha256Hash' is not the SHA-256 of the query.")
        await self.store.put(sha256_hash, query)
        return query
