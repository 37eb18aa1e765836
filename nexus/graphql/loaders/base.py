"""The two shapes of loader: objects by key, and pages of children by parent."""

from __future__ import annotations

import asyncio
import weakref
from abc import abstractmethod
from collections.abc import Awaitable, Sequence
from uuid import UUID

from strawberry.dataloader import DataLoader

from nexus.db.engine import DriverConnection
from nexus.graphql.context import Context
from nexus.services.pagination import Page, PageRequest

__all__ = ["ContextLoader", "PageLoader"]


class ContextLoader[K, V](DataLoader[K, V]):
    """A loader of one request: each batch on its own connection, for the viewer."""

    def __init__(self, context: Context) -> None:
        # A bound method would make every loader a reference cycle with itself, and its
        # cache (every page and row of the request) garbage only a full collection frees.
        load = weakref.WeakMethod(self._load)
        super().__init__(load_fn=lambda keys: load()(keys))  # type: ignore[misc]  # noqa: PLW0108 (the weak reference is the point)
        self.context = context

    def load(self, key: K) -> Awaitable[V]:
        # Callers of one key share one future, and awaiting a future from a task that gets
        # cancelled cancels the future: graphql-core cancelling one subtree would then
        # hand CancelledError to a sibling in another subtree that asked for the same key.
        return asyncio.shield(super().load(key))

    async def _load(self, keys: list[K]) -> list[V]:
        # graphql-core cancels sibling resolvers when a non-null field fails, and the
        # operation timeout cancels everything: let a statement in flight finish (the
        # server's statement_timeout bounds it) rather than abort it, which would close
        # its connection instead of returning it to the pool.
        batch = asyncio.ensure_future(self._load_on_own_connection(keys))
        batch.add_done_callback(_retrieve)
        return await asyncio.shield(batch)

    async def _load_on_own_connection(self, keys: list[K]) -> list[V]:
        async with self.context.database.driver_connection() as connection:
            return await self.load_batch(connection, keys)

    @abstractmethod
    async def load_batch(self, connection: DriverConnection, keys: list[K]) -> list[V]:
        """The values of `keys`, in their order."""


def _retrieve[T](batch: asyncio.Future[T]) -> None:
    # A batch whose callers were all cancelled has no one to raise to: mark it seen.
    if not batch.cancelled():
        batch.exception()


class PageLoader(ContextLoader[tuple[UUID, PageRequest], Page]):
    """Pages keyed by (parent id, page request): one statement loads the pages of every
    parent asking for the same page (in practice, all of them: the arguments come from
    one field of the document)."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[tuple[UUID, PageRequest]]
    ) -> list[Page]:
        parents_by_request: dict[PageRequest, list[UUID]] = {}
        for parent_id, request in keys:
            parents_by_request.setdefault(request, []).append(parent_id)
        pages: dict[tuple[UUID, PageRequest], Page] = {}
        for request, parent_ids in parents_by_request.items():
            loaded = await self.load_pages(connection, parent_ids, request)
            for parent_id in parent_ids:
                pages[parent_id, request] = loaded.get(parent_id) or Page()
        return [pages[key] for key in keys]

    @abstractmethod
    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        """The page of each parent."""
