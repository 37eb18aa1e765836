"""Loaders of highlights: by id, and pages of them per fragment and per media item.

A page's key carries `mine` besides the parent and the page request: the viewer's own
highlights and everyone's they may see are two lists. Parents asking for the same page of
the same list load in one statement.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from uuid import UUID

from nexus.db.engine import DriverConnection, Record
from nexus.graphql.loaders.base import ContextLoader
from nexus.services import highlight_reads
from nexus.services.pagination import Page, PageRequest

__all__ = [
    "HighlightByIdLoader",
    "HighlightPageByFragmentLoader",
    "HighlightPageByMediaLoader",
    "HighlightPageKey",
]

# (parent id, page request, mine)
type HighlightPageKey = tuple[UUID, PageRequest, bool]


class HighlightByIdLoader(ContextLoader[UUID, Record | None]):
    """Highlights by id, None where the viewer may not see them."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await highlight_reads.get_highlights(
            connection=connection, viewer_id=self.context.viewer_id, highlight_ids=keys
        )
        return [rows.get(key) for key in keys]


class _HighlightPageLoader(ContextLoader[HighlightPageKey, Page]):
    async def load_batch(
        self, connection: DriverConnection, keys: list[HighlightPageKey]
    ) -> list[Page]:
        parents: dict[tuple[PageRequest, bool], list[UUID]] = {}
        for parent_id, request, mine in keys:
            parents.setdefault((request, mine), []).append(parent_id)
        pages: dict[HighlightPageKey, Page] = {}
        for (request, mine), parent_ids in parents.items():
            loaded = await self.load_pages(connection, parent_ids, request, mine)
            for parent_id in parent_ids:
                pages[parent_id, request, mine] = loaded.get(parent_id) or Page()
        return [pages[key] for key in keys]

    @abstractmethod
    async def load_pages(
        self,
        connection: DriverConnection,
        parent_ids: Sequence[UUID],
        request: PageRequest,
        mine: bool,
    ) -> dict[UUID, Page]:
        """The page of each parent."""


class HighlightPageByFragmentLoader(_HighlightPageLoader):
    """Per (readable) fragment, a page of the highlights the viewer sees."""

    async def load_pages(
        self,
        connection: DriverConnection,
        parent_ids: Sequence[UUID],
        request: PageRequest,
        mine: bool,
    ) -> dict[UUID, Page]:
        return await highlight_reads.list_highlight_pages_by_fragment(
            connection=connection,
            viewer_id=self.context.viewer_id,
            fragment_ids=parent_ids,
            request=request,
            mine=mine,
        )


class HighlightPageByMediaLoader(_HighlightPageLoader):
    """Per (readable) media item, a page of the highlights the viewer sees."""

    async def load_pages(
        self,
        connection: DriverConnection,
        parent_ids: Sequence[UUID],
        request: PageRequest,
        mine: bool,
    ) -> dict[UUID, Page]:
        return await highlight_reads.list_highlight_pages_by_media(
            connection=connection,
            viewer_id=self.context.viewer_id,
            media_ids=parent_ids,
            request=request,
            mine=mine,
        )
