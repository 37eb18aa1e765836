"""The Fragment type and the connection of a media item's fragments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from nexus.db.engine import Record
from nexus.graphql import cursors
from nexus.graphql.context import Context
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.highlight_inputs import Mine
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.media import MediaByIdLoader
from nexus.graphql.pagination import After, First
from nexus.graphql.types import highlight as highlight_types
from nexus.graphql.types import media as media_types
from nexus.graphql.types.node import Node
from nexus.graphql.types.page_info import PageInfo, page_info
from nexus.services.media import media_not_found
from nexus.services.pagination import Page

if TYPE_CHECKING:
    from nexus.graphql.types.highlight import HighlightConnection
    from nexus.graphql.types.media import Media

__all__ = ["LONG_TEXTS", "Fragment", "FragmentConnection", "FragmentEdge", "fragment_connection"]

# The fields that read a fragment's long text columns: a page of fragments loads only
# those its selection reads (`page_request`).
LONG_TEXTS = {"htmlSanitized": "html_sanitized", "canonicalText": "canonical_text"}


@strawberry.type(
    description=(
        "One ordered piece of a media item's readable text. Readable iff its media is; "
        "`node` answers E_NOT_FOUND otherwise."
    )
)
class Fragment(Node):
    uuid: UUID = strawberry.field(description="The fragment's id.")
    idx: int = strawberry.field(description="The position in the media item, from 0.")
    html_sanitized: str = strawberry.field(
        description="Sanitized HTML: the only HTML the API ever returns."
    )
    canonical_text: str = strawberry.field(
        description="The fragment's plain text, as the reader and search see it."
    )
    created_at: datetime = strawberry.field(description="When the fragment was extracted.")
    media_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Record) -> Fragment:
        return cls(
            uuid=row.id,
            idx=row.idx,
            # Absent from a page that nobody reads them from (None, should it be read).
            html_sanitized=getattr(row, "html_sanitized", None),  # type: ignore[arg-type]
            canonical_text=getattr(row, "canonical_text", None),  # type: ignore[arg-type]
            created_at=row.created_at,
            media_id=row.media_id,
        )

    @strawberry.field(description="The global id: base64 of `Fragment:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Fragment", self.uuid))

    @strawberry.field(description="The media item this fragment belongs to.")
    async def media(
        self, info: Info[Context, None]
    ) -> Annotated[Media, strawberry.lazy("nexus.graphql.types.media")]:
        row = await loader(info.context, MediaByIdLoader).load(self.media_id)
        if row is None:
            raise media_not_found()
        return media_types.Media.from_row(row)

    @strawberry.field(
        description=(
            "Highlights on this fragment ordered by startOffset, endOffset, createdAt, id "
            "(all asc); mine: only the viewer's. Page size 0 to 200, default 100."
        )
    )
    async def highlights(
        self,
        info: Info[Context, None],
        first: First = 100,
        after: After = strawberry.UNSET,
        mine: Mine = True,
    ) -> Annotated[HighlightConnection, strawberry.lazy("nexus.graphql.types.highlight")]:
        return await highlight_types.fragment_highlights(info, self.uuid, first, after, mine)


@strawberry.type(description="A fragment in a list of a media item's fragments.")
class FragmentEdge:
    node: Fragment = strawberry.field(description="The fragment.")

    @strawberry.field(description="This edge's position, for `after`.")
    def cursor(self) -> str:
        return cursors.FRAGMENTS.encode(self.node.idx)


@strawberry.type(description="A page of a media item's fragments.")
class FragmentConnection:
    edges: list[FragmentEdge] = strawberry.field(description="The fragments of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(description="How many fragments the media item has.")


def fragment_connection(page: Page) -> FragmentConnection:
    """The connection of a page of one media item's fragment rows."""
    edges = [FragmentEdge(node=Fragment.from_row(row)) for row in page.rows]
    return FragmentConnection(
        edges=edges,
        page_info=page_info(
            page,
            cursors.FRAGMENTS.encode(edges[0].node.idx) if edges else None,
            cursors.FRAGMENTS.encode(edges[-1].node.idx) if edges else None,
        ),
        total_count=page.total_count,  # type: ignore[arg-type]  # None only when not selected
    )
