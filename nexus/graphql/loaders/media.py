"""Loaders of media and fragments: by id, and pages of them by parent."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from nexus.db.engine import DriverConnection, Record
from nexus.graphql.loaders.base import ContextLoader, PageLoader
from nexus.services import capabilities, media
from nexus.services.pagination import Page, PageRequest

__all__ = [
    "CapabilitiesByMediaLoader",
    "FragmentByIdLoader",
    "FragmentPageByMediaLoader",
    "MediaByIdLoader",
    "MediaPageByLibraryLoader",
]


class MediaByIdLoader(ContextLoader[UUID, Record | None]):
    """Media by id, None where the viewer cannot read it."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await media.get_media(
            connection=connection, viewer_id=self.context.viewer_id, media_ids=keys
        )
        return [rows.get(key) for key in keys]


class CapabilitiesByMediaLoader(ContextLoader[UUID, Record | None]):
    """What the viewer may do with each (readable) media item."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await capabilities.get_capabilities(
            connection=connection, viewer_id=self.context.viewer_id, media_ids=keys
        )
        return [rows.get(key) for key in keys]


class FragmentByIdLoader(ContextLoader[UUID, Record | None]):
    """Fragments by id, None where the viewer cannot read their media."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await media.get_fragments(
            connection=connection, viewer_id=self.context.viewer_id, fragment_ids=keys
        )
        return [rows.get(key) for key in keys]


class MediaPageByLibraryLoader(PageLoader):
    """Per library, a page of its media (rows carry `added_at`)."""

    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        return await media.list_media_pages_by_library(
            connection=connection,
            viewer_id=self.context.viewer_id,
            library_ids=parent_ids,
            request=request,
        )


class FragmentPageByMediaLoader(PageLoader):
    """Per (readable) media, a page of its fragments."""

    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        return await media.list_fragment_pages_by_media(
            connection=connection, media_ids=parent_ids, request=request
        )
