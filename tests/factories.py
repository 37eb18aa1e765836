"""Rows the API cannot create (media, fragments), inserted with SQL on a given connection.

Use the test's `connection` fixture for `api` tests (the app's requests run in the same
transaction) or a connection of `engine` for committed tests.
"""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.db.tables import fragments, libraries, library_media, media


def global_id(type_name: str, *ids: UUID) -> str:
    raw = ":".join([type_name, *(str(i) for i in ids)])
    return base64.b64encode(raw.encode()).decode()


async def create_media(
    connection: AsyncConnection,
    *,
    title: str = "An article",
    kind: str = "web_article",
    url: str | None = "",
    status: str = "ready_for_reading",
    fragment_count: int = 0,
) -> UUID:
    """A media item with `fragment_count` fragments (idx 0..n-1), in no library. Its URL
    is a new one unless given (web articles' canonical URLs are unique)."""
    if url == "":
        url = f"https://example.org/articles/{uuid4().hex}"
    media_id: UUID = (
        await connection.execute(
            insert(media)
            .values(kind=kind, title=title, canonical_source_url=url, processing_status=status)
            .returning(media.c.id)
        )
    ).scalar_one()
    if fragment_count:
        await connection.execute(
            insert(fragments),
            [
                {
                    "media_id": media_id,
                    "idx": idx,
                    "canonical_text": f"Paragraph {idx} of {title}.",
                    "html_sanitized": f"<p>Paragraph {idx} of {title}.</p>",
                }
                for idx in range(fragment_count)
            ],
        )
    return media_id


async def put_media(
    connection: AsyncConnection,
    library_id: UUID,
    media_id: UUID,
    *,
    added_at: datetime | None = None,
) -> None:
    """Link media to a library directly (no closure): to arrange data, e.g. ordering."""
    values: dict[str, object] = {"library_id": library_id, "media_id": media_id}
    if added_at is not None:
        values["created_at"] = added_at
    await connection.execute(insert(library_media).values(**values))


async def default_library_id(connection: AsyncConnection, user_id: UUID) -> UUID:
    statement = select(libraries.c.id).where(
        libraries.c.owner_user_id == user_id, libraries.c.is_default
    )
    return (await connection.execute(statement)).scalar_one()


async def library_media_ids(connection: AsyncConnection, library_id: UUID) -> set[UUID]:
    statement = select(library_media.c.media_id).where(library_media.c.library_id == library_id)
    return set((await connection.execute(statement)).scalars())
