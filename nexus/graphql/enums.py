"""Enums of the schema surface, each the GraphQL face of a domain enum.

Object fields hold the database's values ('admin', 'web_article', …); the enum types
serialize them to their GraphQL names (ADMIN, WEB_ARTICLE, …) without a conversion step.
"""

from __future__ import annotations

import strawberry

from nexus.errors import ErrorCode
from nexus.services.media import MediaKind, ProcessingStatus
from nexus.services.memberships import Role as LibraryRole

__all__ = ["ErrorCode", "LibraryRole", "MediaKind", "ProcessingStatus"]

# strawberry.enum registers each domain enum itself (it returns the class it was given), so
# the schema's enums are these classes, and type checkers see them as the classes they are.
strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description=(
        "Every code a client can see in `errors[].extensions.code`; `extensions.status` "
        "carries the HTTP status the code stands for."
    ),
)

strawberry.enum(
    LibraryRole,
    name="LibraryRole",
    description=(
        "A member's rights in a library: ADMIN changes the library (name, media, members); "
        "MEMBER reads it."
    ),
)

strawberry.enum(
    MediaKind,
    name="MediaKind",
    description="What a media item is: a web article, a book, a paper, a video, a podcast.",
)

strawberry.enum(
    ProcessingStatus,
    name="ProcessingStatus",
    description=(
        "Where a media item is in ingestion: PENDING, EXTRACTING, READY_FOR_READING "
        "(fragments exist), EMBEDDING, READY, or FAILED."
    ),
)
