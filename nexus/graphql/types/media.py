"""The Media type and the connection of a library's media."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from nexus.db.engine import Record
from nexus.graphql import cursors
from nexus.graphql.context import Context
from nexus.graphql.enums import MediaKind, ProcessingStatus
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.highlight_inputs import Mine
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.libraries import LibraryPageByMediaLoader
from nexus.graphql.loaders.media import CapabilitiesByMediaLoader, FragmentPageByMediaLoader
from nexus.graphql.loaders.users import VisibleUserByIdLoader
from nexus.graphql.pagination import After, First, page_request
from nexus.graphql.types import fragment as fragment_types
from nexus.graphql.types import highlight as highlight_types
from nexus.graphql.types import library as library_types
from nexus.graphql.types.node import Node
from nexus.graphql.types.page_info import PageInfo, page_info
from nexus.graphql.types.processing import MediaCapabilities, ProcessingError
from nexus.graphql.types.user import User
from nexus.services.media import media_not_found
from nexus.services.pagination import Page

if TYPE_CHECKING:
    from nexus.graphql.types.fragment import FragmentConnection
    from nexus.graphql.types.highlight import HighlightConnection
    from nexus.graphql.types.library import LibraryConnection

__all__ = ["LibraryMediaConnection", "LibraryMediaEdge", "Media", "library_media_connection"]


@strawberry.type(
    description=(
        "An article, book, paper, video or podcast episode. A viewer can read it iff it is "
        "in at least one of their libraries: otherwise `media`, `node` and the mutations "
        "answer E_MEDIA_NOT_FOUND."
    )
)
class Media(Node):
    uuid: UUID = strawberry.field(description="The media item's id.")
    kind: MediaKind = strawberry.field(description="What kind of media this is.")
    title: str = strawberry.field(description="The title.")
    canonical_source_url: str | None = strawberry.field(
        description="Where it was found on the web, when it came from there."
    )
    processing_status: ProcessingStatus = strawberry.field(
        description="How far ingestion got; fragments exist from READY_FOR_READING on."
    )
    created_at: datetime = strawberry.field(description="When the media item was created.")
    updated_at: datetime = strawberry.field(description="When the media item last changed.")
    requested_url: str | None = strawberry.field(
        description=(
            "The URL as the user gave it, before canonicalization and redirects (web "
            "articles saved by URL)."
        )
    )
    author: str | None = strawberry.field(description="The author, as the page names them.")
    site_name: str | None = strawberry.field(description="The site or publication's name.")
    published_at: datetime | None = strawberry.field(
        description="When it was published, as the page says."
    )
    language: str | None = strawberry.field(
        description="BCP 47 language tag, when the page declares it or it is detected."
    )
    excerpt: str | None = strawberry.field(
        description=(
            "Plain text: the page's description, else the article's first sentences (at "
            "most 300 characters)."
        )
    )
    word_count: int = strawberry.field(
        description="Words in the fragments' canonical text; 0 until readable."
    )
    processing_attempts: int = strawberry.field(
        description="How many times processing has started (since the save or last retry)."
    )
    processing_error: ProcessingError | None = strawberry.field(
        description="Why processing failed; null unless processingStatus is FAILED."
    )
    created_by_user_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: Record) -> Media:
        return cls(
            uuid=row.id,
            kind=row.kind,
            title=row.title,
            canonical_source_url=row.canonical_source_url,
            processing_status=row.processing_status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            requested_url=row.requested_url,
            author=row.author,
            site_name=row.site_name,
            published_at=row.published_at,
            language=row.language,
            excerpt=row.excerpt,
            word_count=row.word_count,
            processing_attempts=row.processing_attempts,
            processing_error=ProcessingError.from_row(row),
            created_by_user_id=row.created_by_user_id,
        )

    @strawberry.field(
        description=(
            "What the viewer may do with it now (read, highlight, retry, ...). Clients "
            "derive their UI from these, never from processingStatus."
        )
    )
    async def capabilities(self, info: Info[Context, None]) -> MediaCapabilities:
        row = await loader(info.context, CapabilitiesByMediaLoader).load(self.uuid)
        if row is None:
            raise media_not_found()
        return MediaCapabilities.from_row(row)

    @strawberry.field(
        description=(
            "The user who saved it first, when the viewer can see them (themselves, or "
            "someone they share a library with); null otherwise, and for media that came "
            "from elsewhere (seed data)."
        )
    )
    async def created_by(self, info: Info[Context, None]) -> User | None:
        if self.created_by_user_id is None:
            return None
        row = await loader(info.context, VisibleUserByIdLoader).load(self.created_by_user_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(description="The global id: base64 of `Media:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Media", self.uuid))

    @strawberry.field(
        description="The fragments in reading order (idx asc). Page size 0 to 200, default 100."
    )
    async def fragments(
        self, info: Info[Context, None], first: First = 100, after: After = strawberry.UNSET
    ) -> Annotated[FragmentConnection, strawberry.lazy("nexus.graphql.types.fragment")]:
        request = page_request(info, first, after, cursors.FRAGMENTS, fragment_types.LONG_TEXTS)
        page = await loader(info.context, FragmentPageByMediaLoader).load((self.uuid, request))
        return fragment_types.fragment_connection(page)

    @strawberry.field(
        description=(
            "The viewer's libraries that hold this media item (never anyone else's), ordered "
            "like Viewer.libraries: createdAt asc, then id asc. Page size 0 to 200, default "
            "100."
        )
    )
    async def libraries(
        self, info: Info[Context, None], first: First = 100, after: After = strawberry.UNSET
    ) -> Annotated[LibraryConnection, strawberry.lazy("nexus.graphql.types.library")]:
        request = page_request(info, first, after, cursors.LIBRARIES)
        page = await loader(info.context, LibraryPageByMediaLoader).load((self.uuid, request))
        return library_types.library_connection(page)

    @strawberry.field(
        description=(
            "Highlights on this media item ordered by fragment idx, startOffset, endOffset, "
            "createdAt, id (all asc); mine: only the viewer's. Page size 0 to 200, default "
            "100."
        )
    )
    async def highlights(
        self,
        info: Info[Context, None],
        first: First = 100,
        after: After = strawberry.UNSET,
        mine: Mine = True,
    ) -> Annotated[HighlightConnection, strawberry.lazy("nexus.graphql.types.highlight")]:
        return await highlight_types.media_highlights(info, self.uuid, first, after, mine)


@strawberry.type(description="A media item in a library's list of media.")
class LibraryMediaEdge:
    node: Media = strawberry.field(description="The media item.")
    added_at: datetime = strawberry.field(description="When the media was added to this library.")

    @strawberry.field(description="This edge's position, for `after`.")
    def cursor(self) -> str:
        return library_media_cursor(self)


@strawberry.type(description="A page of a library's media.")
class LibraryMediaConnection:
    edges: list[LibraryMediaEdge] = strawberry.field(description="The media of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(description="How many media the library holds.")


def library_media_cursor(edge: LibraryMediaEdge) -> str:
    return cursors.LIBRARY_MEDIA.encode(cursors.encode_timestamp(edge.added_at), edge.node.uuid)


def library_media_connection(page: Page) -> LibraryMediaConnection:
    """The connection of a page of one library's media rows (with `added_at`)."""
    edges = [LibraryMediaEdge(node=Media.from_row(row), added_at=row.added_at) for row in page.rows]
    return LibraryMediaConnection(
        edges=edges,
        page_info=page_info(
            page,
            library_media_cursor(edges[0]) if edges else None,
            library_media_cursor(edges[-1]) if edges else None,
        ),
        total_count=page.total_count,  # type: ignore[arg-type]  # None only when not selected
    )
