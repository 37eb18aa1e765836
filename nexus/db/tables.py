"""The tables of the migrations, as SQLAlchemy Core objects for building statements."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, UUID

__all__ = [
    "fragment_json",
    "fragments",
    "highlights",
    "libraries",
    "library_media",
    "media",
    "memberships",
    "metadata",
    "users",
]

metadata = MetaData()


def _uuid_pk() -> Column[object]:
    return Column("id", UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())


def _timestamp(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


users = Table("users", metadata, _uuid_pk(), _timestamp("created_at"))

libraries = Table(
    "libraries",
    metadata,
    _uuid_pk(),
    Column(
        "owner_user_id",
        UUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    CheckConstraint("char_length(name) between 1 and 100", name="ck_libraries_name_length"),
    Index(
        "uix_libraries_one_default_per_user",
        "owner_user_id",
        unique=True,
        postgresql_where=text("is_default"),
    ),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "library_id",
        UUID(as_uuid=True),
        ForeignKey("libraries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("role", Text, nullable=False),
    _timestamp("created_at"),
    PrimaryKeyConstraint("library_id", "user_id", name="pk_memberships"),
    CheckConstraint("role in ('admin', 'member')", name="ck_memberships_role"),
)

media = Table(
    "media",
    metadata,
    _uuid_pk(),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("canonical_source_url", Text),
    Column("processing_status", Text, nullable=False, server_default=text("'pending'")),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    # Migration 0004: saving by URL.
    Column("requested_url", Text),
    Column("created_by_user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    Column("author", Text),
    Column("site_name", Text),
    Column("published_at", DateTime(timezone=True)),
    Column("language", Text),
    Column("excerpt", Text),
    Column("word_count", Integer, nullable=False, server_default=text("0")),
    Column("processing_attempts", Integer, nullable=False, server_default=text("0")),
    Column("processing_error_code", Text),
    Column("processing_error_message", Text),
    CheckConstraint(
        "kind in ('web_article', 'epub', 'pdf', 'video', 'podcast_episode')",
        name="ck_media_kind",
    ),
    CheckConstraint(
        "processing_status in ('pending', 'extracting', 'ready_for_reading', 'embedding', "
        "'ready', 'failed')",
        name="ck_media_processing_status",
    ),
)

fragments = Table(
    "fragments",
    metadata,
    _uuid_pk(),
    Column(
        "media_id", UUID(as_uuid=True), ForeignKey("media.id", ondelete="CASCADE"), nullable=False
    ),
    Column("idx", Integer, nullable=False),
    Column("canonical_text", Text, nullable=False),
    Column("html_sanitized", Text, nullable=False),
    _timestamp("created_at"),
    UniqueConstraint("media_id", "idx", name="uq_fragments_media_id_idx"),
)

library_media = Table(
    "library_media",
    metadata,
    Column(
        "library_id",
        UUID(as_uuid=True),
        ForeignKey("libraries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "media_id", UUID(as_uuid=True), ForeignKey("media.id", ondelete="CASCADE"), nullable=False
    ),
    _timestamp("created_at"),
    PrimaryKeyConstraint("library_id", "media_id", name="pk_library_media"),
)

# Migration 0003: derived, kept by a trigger. Each fragment's texts as JSON strings, so a
# compiled read copies them into its JSON instead of escaping them.
fragment_json = Table(
    "fragment_json",
    metadata,
    Column(
        "fragment_id",
        UUID(as_uuid=True),
        ForeignKey("fragments.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("canonical_text", JSON, nullable=False),
    Column("html_sanitized", JSON, nullable=False),
)

# Migration 0005: highlights. The range's end is checked against the fragment's text by a
# trigger there; statements here need only the columns.
highlights = Table(
    "highlights",
    metadata,
    _uuid_pk(),
    Column(
        "fragment_id",
        UUID(as_uuid=True),
        ForeignKey("fragments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "author_user_id",
        UUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("color", Text, nullable=False, server_default=text("'yellow'")),
    Column("note", Text),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    UniqueConstraint(
        "fragment_id",
        "author_user_id",
        "start_offset",
        "end_offset",
        name="uq_highlights_author_range",
    ),
)
