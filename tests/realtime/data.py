"""Media arranged with SQL, and processing transitions committed with the worker's own
service functions (each commits its NOTIFY exactly as the worker's)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nexus.db.engine import Database
from nexus.db.tables import library_media
from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.services.processing import complete_processing, fail_processing, start_processing
from tests.factories import create_media, default_library_id, put_media

ARTICLE = Article(
    html_sanitized="<p>Read slowly.</p>", canonical_text="Read slowly.", word_count=2, title="Slow"
)


async def saved_media(engine: AsyncEngine, user_id: UUID, *, url: str | None = "") -> UUID:
    """A PENDING web article in the user's default library (the user must exist)."""
    async with engine.begin() as connection:
        media_id = await create_media(connection, status="pending", url=url)
        await put_media(connection, await default_library_id(connection, user_id), media_id)
    return media_id


async def start(database: Database, media_id: UUID) -> None:
    async with database.transaction() as session:
        assert await start_processing(session=session, media_id=media_id) is not None


async def complete(database: Database, media_id: UUID, final_url: str) -> UUID | None:
    async with database.transaction() as session:
        return await complete_processing(
            session=session, media_id=media_id, article=ARTICLE, final_url=final_url
        )


async def fail(database: Database, media_id: UUID) -> None:
    async with database.transaction() as session:
        message = "The page could not be fetched."
        assert await fail_processing(
            session=session, media_id=media_id, code=ErrorCode.E_INGEST_FAILED, message=message
        )


async def remove_from_libraries(engine: AsyncEngine, media_id: UUID) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(library_media).where(library_media.c.media_id == media_id))


async def share_with(connection: AsyncConnection, media_id: UUID, users: list[UUID]) -> None:
    """Put the media in each user's default library (they must exist)."""
    for user_id in users:
        await put_media(connection, await default_library_id(connection, user_id), media_id)
