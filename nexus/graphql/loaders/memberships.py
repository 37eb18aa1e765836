"""Loaders of memberships: by (library id, user id), and pages of a library's members."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from nexus.db.engine import DriverConnection, Record
from nexus.graphql.loaders.base import ContextLoader, PageLoader
from nexus.services import memberships
from nexus.services.pagination import Page, PageRequest

__all__ = ["MemberPageByLibraryLoader", "MembershipByIdLoader"]


class MembershipByIdLoader(ContextLoader[tuple[UUID, UUID], Record | None]):
    """Memberships by (library id, user id), None unless the viewer is a member of the
    library."""

    async def load_batch(
        self, connection: DriverConnection, keys: list[tuple[UUID, UUID]]
    ) -> list[Record | None]:
        rows = await memberships.get_memberships(
            connection=connection, viewer_id=self.context.viewer_id, keys=keys
        )
        return [rows.get(key) for key in keys]


class MemberPageByLibraryLoader(PageLoader):
    """Per library, a page of its memberships."""

    async def load_pages(
        self, connection: DriverConnection, parent_ids: Sequence[UUID], request: PageRequest
    ) -> dict[UUID, Page]:
        return await memberships.list_member_pages_by_library(
            connection=connection,
            viewer_id=self.context.viewer_id,
            library_ids=parent_ids,
            request=request,
        )
