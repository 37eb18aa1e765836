"""Loaders of libraries: by id, the viewer's default, and pages of libraries."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from nexus.db.engine import DriverConnection, Record
from nexus.graphql.loaders.base import ContextLoader, PageLoader
from nexus.services import libraries
from nexus.services.pagination import Page, PageRequest

__all__ = [
    "DefaultLibraryByViewerLoader",
    "LibraryByIdLoader",
    "LibraryPageByMediaLoader",
    "LibraryPageByViewerLoader",
]


class LibraryByIdLoader(ContextLoader[UUID, Record | None]):
    """Libraries by id, None where the viewer is not a member; rows carry `viewer_role`."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[UUID]
    ) -> list[Record | None]:
        rows = await libraries.get_libraries(
            connection=connection, viewer_id=self.context.viewer_id, library_ids=keys
        )
        return [rows.get(key) for key in keys]


class DefaultLibraryByViewerLoader(ContextLoader[UUID, Record]):
    """The viewer's default library (the only key is the viewer's id)."""

    async def load_batch(self, connection: DriverConnection, keys: list[UUID]) -> list[Record]:
        row = await libraries.get_default_library(
            connection=connection, viewer_id=self.context.viewer_id
        )
        return [row for _ in keys]


class LibraryPageByViewerLoader(PageLoader):
    """Pages of the viewer's libraries (the parent is the viewer)."""

    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        page = await libraries.list_library_pages_by_member(
            connection=connection, viewer_id=self.context.viewer_id, request=request
        )
        return {self.context.viewer_id: page}


class LibraryPageByMediaLoader(PageLoader):
    """Per media, a page of the viewer's libraries that hold it."""

    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        return await libraries.list_library_pages_by_media(
            connection=connection,
            viewer_id=self.context.viewer_id,
            media_ids=parent_ids,
            request=request,
        )
