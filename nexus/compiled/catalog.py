"""What each GraphQL field of the read schema is in SQL, in terms of the service layer.

A type's fields read the columns of its row as the services select it (the same names
the Strawberry types' `from_row` read), follow a link to one object through a service's
row source, or open a connection over a service's `PagedList`. Every rule (who sees
what, the order and membership of each list) lives in the services; this module only
says which service definition answers which field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, Table

from nexus.db.columns import Columns
from nexus.db.tables import fragments, highlights, libraries, media, memberships, users
from nexus.graphql import cursors
from nexus.graphql.cursors import CursorKind
from nexus.services import highlight_reads, user_directory
from nexus.services import libraries as library_service
from nexus.services import media as media_service
from nexus.services import memberships as membership_service
from nexus.services.capabilities import capability_expressions
from nexus.services.pagination import PagedList
from nexus.services.visibility import ViewerId

__all__ = [
    "NODE_SOURCES",
    "OBJECTS",
    "VIEWER",
    "Column",
    "Computed",
    "Connection",
    "Embedded",
    "FieldSpec",
    "GlobalId",
    "Link",
    "Source",
    "key_columns",
]


@dataclass(frozen=True, slots=True)
class Source:
    """Rows of one type as a service selects them, found by the table's primary key."""

    table: Table
    rows: Callable[[ViewerId], Select[Any]]


@dataclass(frozen=True, slots=True)
class Column:
    """A scalar: the row's column, formatted as the field's GraphQL type serializes.

    `stored_json` finds the column's JSON encoding where one is kept (long texts), given
    the row's id: PostgreSQL copies it into the response instead of escaping the text.
    """

    name: str
    stored_json: Callable[[ColumnElement[Any]], ScalarSelect[Any]] | None = None


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    columns: tuple[str, ...] = ("id",)


@dataclass(frozen=True, slots=True)
class Computed:
    """A scalar a service's SQL rule computes from the row's columns for the viewer."""

    value: Callable[[ViewerId, Columns], ColumnElement[Any]]


@dataclass(frozen=True, slots=True)
class Embedded:
    """An object made of this same row's columns; null where the `present` column is."""

    type_name: str
    present: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """One object: the source's row whose primary key is these columns of this row
    (no columns: the source's only row, such as the viewer's default library); null when
    `nullable` and the source has no such row for the viewer."""

    type_name: str
    source: Source
    key: tuple[str, ...] = ()
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Connection:
    """A page of a list whose parent is this row's `parent` column. The field's arguments
    named in `choices` (beyond first/after) choose the list: `paged` takes them by name."""

    node_type: str
    paged: Callable[..., PagedList]
    cursor: CursorKind
    parent: str = "id"
    edge_columns: dict[str, str] = field(default_factory=dict)
    choices: tuple[str, ...] = ()


FieldSpec = Column | Computed | Embedded | GlobalId | Link | Connection

USERS = Source(users, lambda _viewer: user_directory.user_rows())
VISIBLE_USERS = Source(users, user_directory.visible_users)
LIBRARIES = Source(libraries, library_service.visible_libraries)
MEDIA = Source(media, media_service.readable_media)
FRAGMENTS = Source(fragments, media_service.readable_fragments)
MEMBERSHIPS = Source(memberships, membership_service.visible_memberships)
# Compiled reads take highlight rows unquoted: the quote is computed only where asked for.
HIGHLIGHTS = Source(highlights, partial(highlight_reads.visible_highlights, quoted=False))
STORED_JSON = media_service.stored_fragment_json


def _capability(name: str) -> Computed:
    return Computed(lambda viewer, row: capability_expressions(viewer, row)[name])


def _quote(part: str) -> Computed:
    return Computed(
        lambda _viewer, row: highlight_reads.quote(
            row["fragment_text"], row["start_offset"], row["end_offset"]
        )[part]
    )


OBJECTS: dict[str, dict[str, FieldSpec]] = {
    "User": {"id": GlobalId("User"), "uuid": Column("id"), "createdAt": Column("created_at")},
    "Library": {
        "id": GlobalId("Library"),
        "uuid": Column("id"),
        "name": Column("name"),
        "isDefault": Column("is_default"),
        "owner": Link("User", USERS, ("owner_user_id",)),
        "viewerRole": Column("viewer_role"),
        "createdAt": Column("created_at"),
        "updatedAt": Column("updated_at"),
        "members": Connection("Membership", membership_service.members_of_library, cursors.MEMBERS),
        "media": Connection(
            "Media",
            media_service.media_of_library,
            cursors.LIBRARY_MEDIA,
            edge_columns={"addedAt": "added_at"},
        ),
    },
    "Membership": {
        "id": GlobalId("Membership", ("library_id", "user_id")),
        "library": Link("Library", LIBRARIES, ("library_id",)),
        "user": Link("User", USERS, ("user_id",)),
        "role": Column("role"),
        "createdAt": Column("created_at"),
    },
    "Media": {
        "id": GlobalId("Media"),
        "uuid": Column("id"),
        "kind": Column("kind"),
        "title": Column("title"),
        "canonicalSourceUrl": Column("canonical_source_url"),
        "processingStatus": Column("processing_status"),
        "createdAt": Column("created_at"),
        "updatedAt": Column("updated_at"),
        "requestedUrl": Column("requested_url"),
        "author": Column("author"),
        "siteName": Column("site_name"),
        "publishedAt": Column("published_at"),
        "language": Column("language"),
        "excerpt": Column("excerpt"),
        "wordCount": Column("word_count"),
        "processingAttempts": Column("processing_attempts"),
        "processingError": Embedded("ProcessingError", present="processing_error_code"),
        "capabilities": Embedded("MediaCapabilities"),
        "createdBy": Link("User", VISIBLE_USERS, ("created_by_user_id",), nullable=True),
        "fragments": Connection(
            "Fragment", lambda _viewer: media_service.FRAGMENTS_OF_MEDIA, cursors.FRAGMENTS
        ),
        "libraries": Connection("Library", library_service.libraries_holding, cursors.LIBRARIES),
        "highlights": Connection(
            "Highlight",
            partial(highlight_reads.highlights_of_media, quoted=False),
            cursors.MEDIA_HIGHLIGHTS,
            choices=("mine",),
        ),
    },
    "ProcessingError": {
        "code": Column("processing_error_code"),
        "message": Column("processing_error_message"),
    },
    "MediaCapabilities": {
        "canRead": _capability("can_read"),
        "canHighlight": _capability("can_highlight"),
        "canQuote": _capability("can_quote"),
        "canSearch": _capability("can_search"),
        "canPlay": _capability("can_play"),
        "canDownloadFile": _capability("can_download_file"),
        "canRetry": _capability("can_retry"),
    },
    "Fragment": {
        "id": GlobalId("Fragment"),
        "uuid": Column("id"),
        "idx": Column("idx"),
        "htmlSanitized": Column("html_sanitized", partial(STORED_JSON, "html_sanitized")),
        "canonicalText": Column("canonical_text", partial(STORED_JSON, "canonical_text")),
        "createdAt": Column("created_at"),
        "media": Link("Media", MEDIA, ("media_id",)),
        "highlights": Connection(
            "Highlight",
            partial(highlight_reads.highlights_of_fragment, quoted=False),
            cursors.FRAGMENT_HIGHLIGHTS,
            choices=("mine",),
        ),
    },
    "Highlight": {
        "id": GlobalId("Highlight"),
        "uuid": Column("id"),
        "fragment": Link("Fragment", FRAGMENTS, ("fragment_id",)),
        "media": Link("Media", MEDIA, ("media_id",)),
        "author": Link("User", USERS, ("author_user_id",)),
        "isOwner": Computed(lambda viewer, row: row["author_user_id"] == viewer),
        "startOffset": Column("start_offset"),
        "endOffset": Column("end_offset"),
        "exact": _quote("exact"),
        "prefix": _quote("prefix"),
        "suffix": _quote("suffix"),
        "color": Column("color"),
        "note": Column("note"),
        "createdAt": Column("created_at"),
        "updatedAt": Column("updated_at"),
    },
}

# The viewer has no row of its own: its one column, `viewer`, is the viewer id.
VIEWER: dict[str, FieldSpec] = {
    "user": Link("User", USERS, ("viewer",)),
    "defaultLibrary": Link("Library", Source(libraries, library_service.default_library), key=()),
    "libraries": Connection(
        "Library", lambda _viewer: library_service.LIBRARIES_OF_MEMBER, cursors.LIBRARIES, "viewer"
    ),
}

# What `node`/`nodes` look up for each type of global id: what the viewer may see.
NODE_SOURCES: dict[str, Source] = {
    "User": VISIBLE_USERS,
    "Library": LIBRARIES,
    "Membership": MEMBERSHIPS,
    "Media": MEDIA,
    "Fragment": FRAGMENTS,
    "Highlight": HIGHLIGHTS,
}


def key_columns(source: Source) -> tuple[ColumnElement[Any], ...]:
    return tuple(source.table.primary_key.columns)
