"""The processing lifecycle of a saved media item (reading.md, Processing), as the worker
drives it: PENDING → EXTRACTING → READY_FOR_READING, any unfinished state → FAILED.

Each transition is one transaction that commits with a notification for subscribers
(`media_events`). The rules hold whatever order jobs and workers run in: only PENDING
starts, only EXTRACTING becomes readable, a late failure never overwrites a success.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, literal, select, union, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.tables import fragments, libraries, library_media, media, memberships
from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.ingest.urls import canonical_form
from nexus.services.media_events import notify_media_changed

__all__ = ["complete_processing", "fail_processing", "release_for_retry", "start_processing"]

MAX_TITLE_LENGTH = 500
_UNFINISHED = ("pending", "extracting")


async def start_processing(*, session: AsyncSession, media_id: UUID) -> str | None:
    """PENDING → EXTRACTING, one more attempt; the URL to fetch. None when the media item
    is gone or not PENDING: the job has nothing to do."""
    started = await session.execute(
        update(media)
        .where(media.c.id == media_id, media.c.processing_status == "pending")
        .values(
            processing_status="extracting",
            processing_attempts=media.c.processing_attempts + 1,
            updated_at=func.now(),
        )
        .returning(media.c.canonical_source_url)
    )
    url: str | None = started.scalar_one_or_none()
    if url is not None:
        await notify_media_changed(session=session, media_id=media_id, status="extracting")
    return url


async def release_for_retry(*, session: AsyncSession, media_id: UUID) -> int:
    """EXTRACTING → PENDING, for a transient failure with attempts left or a job whose
    worker died; returns how many attempts have started (0 when the media is gone)."""
    released = await session.execute(
        update(media)
        .where(media.c.id == media_id, media.c.processing_status == "extracting")
        .values(processing_status="pending", updated_at=func.now())
        .returning(media.c.processing_attempts)
    )
    attempts = released.scalar_one_or_none()
    if attempts is not None:
        await notify_media_changed(session=session, media_id=media_id, status="pending")
        return int(attempts)
    found = await session.scalar(select(media.c.processing_attempts).where(media.c.id == media_id))
    return int(found or 0)


async def fail_processing(
    *, session: AsyncSession, media_id: UUID, code: ErrorCode, message: str
) -> bool:
    """PENDING or EXTRACTING → FAILED with the error; False (nothing changes) when the
    media item is gone or already finished: a late failure never overwrites a success."""
    failed = await session.execute(
        update(media)
        .where(media.c.id == media_id, media.c.processing_status.in_(_UNFINISHED))
        .values(
            processing_status="failed",
            processing_error_code=code.value,
            processing_error_message=message,
            updated_at=func.now(),
        )
        .returning(media.c.id)
    )
    if failed.first() is None:
        return False
    await notify_media_changed(session=session, media_id=media_id, status="failed")
    return True


async def complete_processing(
    *, session: AsyncSession, media_id: UUID, article: Article, final_url: str
) -> UUID | None:
    """EXTRACTING → READY_FOR_READING with fragment 0 and the article's facts; returns
    the media id, or None when it is gone or no longer EXTRACTING (nothing changes).

    When the final URL (after redirects) is another web article's canonical URL, this
    item is merged into that one instead: the other joins every library that held this
    one (with the default library closure), this row is deleted, and the other's id is
    returned.
    """
    current = (
        await session.execute(
            select(media.c.canonical_source_url)
            .where(media.c.id == media_id, media.c.processing_status == "extracting")
            .with_for_update()
        )
    ).first()
    if current is None:
        return None
    final = canonical_form(final_url)
    if final != current.canonical_source_url:
        survivor = await _claim_canonical_url(session, media_id, final)
        if survivor is not None:
            await _merge(session, media_id, survivor)
            return survivor
    await session.execute(delete(fragments).where(fragments.c.media_id == media_id))
    await session.execute(
        insert(fragments).values(
            media_id=media_id,
            idx=0,
            canonical_text=article.canonical_text,
            html_sanitized=article.html_sanitized,
        )
    )
    values: dict[str, Any] = {
        "author": article.author,
        "site_name": article.site_name,
        "published_at": article.published_at,
        "language": article.language,
        "excerpt": article.excerpt,
        "word_count": article.word_count,
        "processing_status": "ready_for_reading",
        "processing_error_code": None,
        "processing_error_message": None,
        "updated_at": func.now(),
    }
    title = (article.title or "").strip()
    if title:
        values["title"] = title[:MAX_TITLE_LENGTH]
    await session.execute(update(media).where(media.c.id == media_id).values(**values))
    await notify_media_changed(session=session, media_id=media_id, status="ready_for_reading")
    return media_id


async def _claim_canonical_url(session: AsyncSession, media_id: UUID, final: str) -> UUID | None:
    """Move the item to its final canonical URL; the id of the web article that already
    has it, if one does (then nothing moves)."""
    holder = await _holder_of(session, media_id, final)
    if holder is not None:
        return holder
    try:
        async with session.begin_nested():
            await session.execute(
                update(media).where(media.c.id == media_id).values(canonical_source_url=final)
            )
    except IntegrityError:
        # A save of that URL committed meanwhile.
        return await _holder_of(session, media_id, final)
    return None


async def _holder_of(session: AsyncSession, media_id: UUID, url: str) -> UUID | None:
    holder: UUID | None = await session.scalar(
        select(media.c.id)
        .where(
            media.c.kind == "web_article",
            media.c.canonical_source_url == url,
            media.c.id != media_id,
        )
        .with_for_update()
    )
    return holder


async def _merge(session: AsyncSession, media_id: UUID, survivor: UUID) -> None:
    holding = select(library_media.c.library_id).where(library_media.c.media_id == media_id)
    # Held like addMediaToLibrary holds them: no member joins a library meanwhile
    # without receiving its media in their default library.
    await session.execute(
        select(libraries.c.id)
        .where(libraries.c.id.in_(holding))
        .order_by(libraries.c.id)
        .with_for_update(read=True)
    )
    defaults_of_members = (
        select(libraries.c.id)
        .join_from(memberships, libraries, libraries.c.owner_user_id == memberships.c.user_id)
        .where(memberships.c.library_id.in_(holding), libraries.c.is_default)
    )
    targets = union(holding, defaults_of_members).subquery()
    await session.execute(
        insert(library_media)
        .from_select(
            ["library_id", "media_id"],
            select(targets.c[0], literal(survivor)).order_by(targets.c[0]),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(delete(media).where(media.c.id == media_id))
    await notify_media_changed(
        session=session, media_id=media_id, status="merged", merged_into=survivor
    )
    status = await session.scalar(select(media.c.processing_status).where(media.c.id == survivor))
    await notify_media_changed(session=session, media_id=survivor, status=str(status))
