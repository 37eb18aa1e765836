"""The data side of `nexus.bench.subscriptions`: each user's media item, and the changes
the worker would commit."""

from __future__ import annotations

import time
from uuid import UUID

from sqlalchemy import insert, select

from nexus.db.engine import Database
from nexus.db.tables import libraries, library_media, media
from nexus.services.processing import release_for_retry, start_processing

__all__ = ["MediaChanger", "create_user_media"]


async def create_user_media(database: Database, users: list[UUID]) -> dict[UUID, UUID]:
    """A PENDING web article in each user's default library (the users must exist)."""
    created: dict[UUID, UUID] = {}
    async with database.transaction() as session:
        for user_id in users:
            library_id = await session.scalar(
                select(libraries.c.id).where(
                    libraries.c.owner_user_id == user_id, libraries.c.is_default
                )
            )
            media_id = await session.scalar(
                insert(media)
                .values(
                    kind="web_article",
                    title=f"Bench article of {user_id}",
                    canonical_source_url=f"https://bench.example/{user_id}",
                    processing_status="pending",
                )
                .returning(media.c.id)
            )
            if media_id is None:
                raise RuntimeError("INSERT … RETURNING gave no media id")
            await session.execute(
                insert(library_media).values(library_id=library_id, media_id=media_id)
            )
            created[user_id] = media_id
    return created


class MediaChanger:
    """PENDING -> EXTRACTING -> PENDING … as the worker's transitions commit them; each
    change returns the state it made, (status, attempts), and when its commit returned."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.changes: dict[UUID, int] = {}

    async def change(self, media_id: UUID) -> tuple[tuple[UUID, str, int], float]:
        done = self.changes.get(media_id, 0)
        async with self.database.transaction() as session:
            if done % 2 == 0:
                # Called outside any assert: `python -O` would skip the change itself.
                if await start_processing(session=session, media_id=media_id) is None:
                    raise RuntimeError(f"media {media_id} could not start processing")
                status = "EXTRACTING"
            else:
                await release_for_retry(session=session, media_id=media_id)
                status = "PENDING"
        self.changes[media_id] = done + 1
        return (media_id, status, done // 2 + 1), time.time()
