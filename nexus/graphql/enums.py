"""Enums of the schema surface, each the GraphQL face of a domain enum.

Object fields hold the database's values ('admin', 'web_article', …); the enum types
serialize them to their GraphQL names (ADMIN, WEB_ARTICLE, …) without a conversion step.
"""

from __future__ import annotations

import strawberry

from nexus.errors import ErrorCode as DomainErrorCode
from nexus.services.media import MediaKind as DomainMediaKind
from nexus.services.media import ProcessingStatus as DomainProcessingStatus
from nexus.services.memberships import Role

__all__ = ["ErrorCode", "LibraryRole", "MediaKind", "ProcessingStatus"]

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description=(
        "Every code a client can see in `errors[].extensions.code`; `extensions.status` "
        "carries the HTTP status the code stands for."
    ),
)

LibraryRole = strawberry.enum(
    Role,
    name="LibraryRole",
    description=(
        "A member's rights in a library: ADMIN changes the library (name, media, members); "
        "MEMBER reads it."
    ),
)

MediaKind = strawberry.enum(
    DomainMediaKind,
    name="MediaKind",
    description="What a media item is: a web article, a book, a paper, a video, a podcast.",
)

ProcessingStatus = strawberry.enum(
    DomainProcessingStatus,
    name="ProcessingStatus",
    description=(
        "Where a media item is in ingestion: PENDING, EXTRACTING, READY_FOR_READING "
        "(fragments exist), EMBEDDING, READY, or FAILED."
    ),
)
