"""Per-request DataLoaders, named for what they load and by what key.

Each request gets its own loaders, created on first use in `Context.loaders` (never a
module global: a loader shared across requests would hand one viewer's rows to another).
Every batch runs one statement on its own pooled connection, so sibling resolvers can
load concurrently.
"""

from __future__ import annotations

from typing import Any

from nexus.graphql.context import Context
from nexus.graphql.loaders.base import ContextLoader

__all__ = ["loader"]


def loader[L: ContextLoader[Any, Any]](context: Context, cls: type[L]) -> L:
    """The request's loader of class `cls`, created on first use."""
    found: L | None = context.loaders.get(cls)
    if found is None:
        found = context.loaders[cls] = cls(context)
    return found
