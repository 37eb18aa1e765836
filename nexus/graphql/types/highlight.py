"""The Highlight type, its colours, and the connections of a fragment's and a media item's
highlights (Fragment.highlights, Media.highlights)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from nexus.db.engine import Record
from nexus.errors import ErrorCode, NexusError
from nexus.graphql import cursors
from nexus.graphql.context import Context
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.highlight_inputs import HighlightColor
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.highlights import (
    HighlightPageByFragmentLoader,
    HighlightPageByMediaLoader,
)
from nexus.graphql.loaders.media import FragmentByIdLoader, MediaByIdLoader
from nexus.graphql.loaders.users import UserByIdLoader
from nexus.graphql.pagination import page_request
from nexus.graphql.types import fragment as fragment_types
from nexus.graphql.types import media as media_types
from nexus.graphql.types.node import Node
from nexus.graphql.types.page_info import PageInfo, page_info
from nexus.graphql.types.user import User
from nexus.services.media import media_not_found
from nexus.services.pagination import Page

if TYPE_CHECKING:
    from nexus.graphql.types.fragment import Fragment
    from nexus.graphql.types.media import Media

__all__ = [
    "Highlight",
    "HighlightConnection",
    "HighlightEdge",
    "fragment_highlights",
    "media_highlights",
]


@strawberry.type(
    description=(
        "A range of a fragment's text that a reader marked, with a colour and an optional "
        "note. Its author sees it while they can read the media; another viewer sees it "
        "while both are members of one library holding the media. `node` answers "
        "E_HIGHLIGHT_NOT_FOUND otherwise."
    )
)
class Highlight(Node):
    uuid: UUID = strawberry.field(description="The highlight's id.")
    start_offset: int = strawberry.field(
        description=(
            "Half-open range [startOffset, endOffset) of Unicode code points over "
            "fragment.canonicalText: where it starts."
        )
    )
    end_offset: int = strawberry.field(description="Where the range ends (exclusive).")
    exact: str = strawberry.field(description="canonicalText[startOffset:endOffset].")
    prefix: str = strawberry.field(
        description="Up to 32 code points of canonicalText before the range (for re-anchoring)."
    )
    suffix: str = strawberry.field(
        description="Up to 32 code points of canonicalText after the range (for re-anchoring)."
    )
    color: HighlightColor = strawberry.field(description="The highlight's colour.")
    note: str | None = strawberry.field(description="The author's annotation; null when none.")
    created_at: datetime = strawberry.field(description="When the highlight was made.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    fragment_id: strawberry.Private[UUID]
    media_id: strawberry.Private[UUID]
    author_user_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Record) -> Highlight:
        return cls(
            uuid=row.id,
            start_offset=row.start_offset,
            end_offset=row.end_offset,
            exact=row.exact,
            prefix=row.prefix,
            suffix=row.suffix,
            color=row.color,
            note=row.note,
            created_at=row.created_at,
            updated_at=row.updated_at,
            fragment_id=row.fragment_id,
            media_id=row.media_id,
            author_user_id=row.author_user_id,
        )

    @strawberry.field(description="The global id: base64 of `Highlight:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Highlight", self.uuid))

    @strawberry.field(description="The viewer wrote it (only the author may change or delete it).")
    def is_owner(self, info: Info[Context, None]) -> bool:
        return self.author_user_id == info.context.viewer_id

    @strawberry.field(description="The fragment whose text it marks.")
    async def fragment(
        self, info: Info[Context, None]
    ) -> Annotated[Fragment, strawberry.lazy("nexus.graphql.types.fragment")]:
        row = await loader(info.context, FragmentByIdLoader).load(self.fragment_id)
        if row is None:
            raise NexusError(ErrorCode.E_NOT_FOUND, "Fragment not found.")
        return fragment_types.Fragment.from_row(row)

    @strawberry.field(description="The media item of its fragment.")
    async def media(
        self, info: Info[Context, None]
    ) -> Annotated[Media, strawberry.lazy("nexus.graphql.types.media")]:
        row = await loader(info.context, MediaByIdLoader).load(self.media_id)
        if row is None:
            raise media_not_found()
        return media_types.Media.from_row(row)

    @strawberry.field(description="Who wrote it: the viewer or someone they share a library with.")
    async def author(self, info: Info[Context, None]) -> User:
        row = await loader(info.context, UserByIdLoader).load(self.author_user_id)
        if row is None:
            raise NexusError(ErrorCode.E_NOT_FOUND, "User not found.")
        return User.from_row(row)


@strawberry.type(description="A highlight in a list of highlights.")
class HighlightEdge:
    node: Highlight = strawberry.field(description="The highlight.")
    cursor: str = strawberry.field(description="This edge's position, for `after`.")


@strawberry.type(description="A page of highlights.")
class HighlightConnection:
    edges: list[HighlightEdge] = strawberry.field(description="The highlights of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(description="How many highlights the whole list holds.")


def _connection(page: Page, cursor: Callable[[Record], str]) -> HighlightConnection:
    edges = [HighlightEdge(node=Highlight.from_row(row), cursor=cursor(row)) for row in page.rows]
    return HighlightConnection(
        edges=edges,
        page_info=page_info(
            page, edges[0].cursor if edges else None, edges[-1].cursor if edges else None
        ),
        total_count=page.total_count,  # type: ignore[arg-type]  # None only when not selected
    )


def _key(row: Record) -> tuple[Any, ...]:
    created = cursors.encode_timestamp(row.created_at)
    return (row.start_offset, row.end_offset, created, row.id)


async def fragment_highlights(
    info: Info[Context, None],
    fragment_id: UUID,
    first: int | None,
    after: str | None,
    mine: bool | None,
) -> HighlightConnection:
    """Fragment.highlights: a page of the fragment's highlights the viewer sees (only
    their own unless `mine` is false)."""
    request = page_request(info, first, after, cursors.FRAGMENT_HIGHLIGHTS)
    key = (fragment_id, request, mine is not False)
    page = await loader(info.context, HighlightPageByFragmentLoader).load(key)
    return _connection(page, lambda row: cursors.FRAGMENT_HIGHLIGHTS.encode(*_key(row)))


async def media_highlights(
    info: Info[Context, None],
    media_id: UUID,
    first: int | None,
    after: str | None,
    mine: bool | None,
) -> HighlightConnection:
    """Media.highlights: a page of the media item's highlights the viewer sees (only
    their own unless `mine` is false)."""
    request = page_request(info, first, after, cursors.MEDIA_HIGHLIGHTS)
    key = (media_id, request, mine is not False)
    page = await loader(info.context, HighlightPageByMediaLoader).load(key)
    return _connection(
        page, lambda row: cursors.MEDIA_HIGHLIGHTS.encode(row.fragment_idx, *_key(row))
    )
