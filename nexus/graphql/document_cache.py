"""The prepared documents of recent requests, bounded in entries and in bytes.

Used for the executor's parsed and validated documents and for the compiled reads' plans,
both of which hold a document's AST. Entries are dropped least recently used first, past
`max_entries` or past `max_bytes` in all. The byte bound is what keeps a worker's memory
in hand: the token limit keeps a document's syntax small, but a 1 MiB string literal or
comment is a handful of tokens, and 512 such documents held about a gigabyte.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Hashable

from graphql import DocumentNode, Token

__all__ = ["DocumentCache", "document_bytes"]

# What a parsed document holds per token: the token itself (tokens stay linked from the
# AST's locations) and its share of the AST's nodes. Measured with tracemalloc on
# graphql-core 3.3 (what dropping a document frees): 300-500 bytes per token.
BYTES_PER_TOKEN = 640
# The entry's own bookkeeping, and the cost shapes built later, which stay far smaller.
BYTES_PER_ENTRY = 2048


def document_bytes(query: str, document: DocumentNode | None) -> int:
    """An upper estimate of the memory a cached document holds: its text, the copies
    its tokens make of literals and comments (at most the text again), and its tokens
    and nodes. Counting tokens walks the token list once."""
    text = sys.getsizeof(query)
    if document is None or document.loc is None:
        return text + BYTES_PER_ENTRY
    tokens = 0
    token: Token | None = document.loc.start_token
    while token is not None:
        tokens += 1
        token = token.next
    return 2 * text + tokens * BYTES_PER_TOKEN + BYTES_PER_ENTRY


class DocumentCache[K: Hashable, V]:
    """Values by document (its text, or a digest of it), least recently used dropped
    first past `max_entries` entries or `max_bytes` in all; a value larger than
    `max_bytes` is not kept."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0  # lookups, for the metrics
        self.misses = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep `value`, which holds about `size` bytes (again, when it grew), dropping
        the oldest entries until both bounds hold."""
        previous = self._items.pop(key, None)
        if previous is not None:
            self.bytes -= previous[1]
        if size > self.max_bytes:
            return
        self._items[key] = (value, size)
        self.bytes += size
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped
