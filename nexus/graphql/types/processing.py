"""What processing left on a media item: its failure, and what the viewer may do now."""

from __future__ import annotations

import strawberry

from nexus.db.engine import Record
from nexus.graphql.enums import ErrorCode

__all__ = ["MediaCapabilities", "ProcessingError"]


@strawberry.type(description="Why processing failed (Media.processingError).")
class ProcessingError:
    code: ErrorCode = strawberry.field(
        description=(
            "E_INGEST_FAILED (DNS, connection, HTTP status >= 400, no article found), "
            "E_INGEST_TIMEOUT, E_SSRF_BLOCKED, E_UNSUPPORTED_CONTENT (not HTML) or "
            "E_CONTENT_TOO_LARGE."
        )
    )
    message: str = strawberry.field(
        description="Says what failed, for people (no stack traces, no internal addresses)."
    )

    @classmethod
    def from_row(cls, row: Record) -> ProcessingError | None:
        if row.processing_error_code is None:
            return None
        return cls(code=row.processing_error_code, message=row.processing_error_message)


@strawberry.type(
    description=(
        "What the viewer may do with a media item now. Clients derive their UI from these, "
        "never from processingStatus."
    )
)
class MediaCapabilities:
    can_read: bool = strawberry.field(
        description=(
            "Its fragments can be read: a web article or book that is READY_FOR_READING, "
            "EMBEDDING or READY with a fragment; a video or episode with a transcript."
        )
    )
    can_highlight: bool = strawberry.field(description="Highlights can be made: as canRead.")
    can_quote: bool = strawberry.field(description="Passages can be quoted: as canRead.")
    can_search: bool = strawberry.field(description="Its text can be searched: as canRead.")
    can_play: bool = strawberry.field(
        description="A video or episode with a source URL to play from."
    )
    can_download_file: bool = strawberry.field(
        description="A file can be downloaded (no media has a file yet: always false)."
    )
    can_retry: bool = strawberry.field(
        description="Failed, and the viewer saved it or administers a library holding it."
    )

    @classmethod
    def from_row(cls, row: Record) -> MediaCapabilities:
        return cls(
            can_read=row.can_read,
            can_highlight=row.can_highlight,
            can_quote=row.can_quote,
            can_search=row.can_search,
            can_play=row.can_play,
            can_download_file=row.can_download_file,
            can_retry=row.can_retry,
        )
