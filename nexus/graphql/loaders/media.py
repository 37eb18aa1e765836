"""Loaders of media and fragments: by id, and pages of them by parent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.graphql.loaders.base import ContextLoader, PageLoader
from nexus.services import media
from nexus.services.pagination import Page, PageRequest

__all__ = [
    "FragmentByIdLoader",
    "FragmentPageByMediaLoader",
    "MediaByIdLoader",
    "MediaPageByLibraryLoader",
]


class MediaByIdLoader(ContextLoader[UUID, Row[Any] | None]):
    """Media by id, None where the viewer cannot read it."""

    async def load_batch(
        self, connection: AsyncConnection, keys: list[UUID]
    ) -> list[Row[Any] | None]:
        rows = await media.get_media(
            connection=connection, viewer_id=self.context.viewer_id, media_ids=keys
        )
        return [rows.get(key) for key in keys]


class FragmentByIdLoader(ContextLoader[UUID, Row[Any] | None]):
    """Fragments by id, None where the viewer cannot read their media."""

    async def load_batch(
        self, connection: AsyncConnection, keys: list[UUID]
    ) -> list[Row[Any] | None]:
        rows = await media.get_fragments(
            connection=connection, viewer_id=self.context.viewer_id, fragment_ids=keys
        )
        return [rows.get(key) for key in keys]


class MediaPageByLibraryLoader(PageLoader):
    """Per library, a page of its media (rows carry `added_at`)."""

    async def load_pages(
        self, connection: AsyncConnection, parent_ids: Sequence[UUID], request: PageRequest
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
        self, connection: AsyncConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        return await media.list_fragment_pages_by_media(
            connection=connection, media_ids=parent_ids, request=request
        )
