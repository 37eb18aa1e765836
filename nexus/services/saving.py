"""Saving a web article by URL and retrying one that failed (reading.md, Saving a URL and
Processing): the viewer's two ways to queue processing.

A save is one transaction: the media row for the URL's canonical form (found, or created
PENDING), its place in the viewer's default library (and a library they administer), and
its processing job, queued in the same transaction, so a row never exists without its job
nor a job without its row. Two concurrent saves of one URL meet on the unique index of
web articles' canonical URLs and make one media item.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.db.columns import ResultRow
from nexus.db.tables import fragments, libraries, media, users
from nexus.errors import ErrorCode, NexusError
from nexus.ingest.urls import canonical_url_to_save
from nexus.queue.defer import queue_processing
from nexus.services.capabilities import administers_a_library_holding
from nexus.services.media import MEDIA_COLUMNS, add_media_to_library, media_not_found
from nexus.services.media_events import notify_media_changed
from nexus.services.saving_policy import SavingPolicy
from nexus.services.visibility import can_read_media

__all__ = ["MAX_TITLE_LENGTH", "add_media_from_url", "retry_media_processing"]

MAX_TITLE_LENGTH = 255
_IN_PROGRESS = ("pending", "extracting")


async def add_media_from_url(
    *,
    session: AsyncSession,
    viewer_id: UUID,
    url: str,
    library_id: UUID | None,
    policy: SavingPolicy,
) -> tuple[ResultRow, bool]:
    """Find or create the web article of `url`'s canonical form, put it in the viewer's
    default library (and `library_id`, which the viewer must administer), and queue its
    processing when it is new. Returns the media row and whether it was created.

    E_INVALID_URL / E_SSRF_BLOCKED for a URL that may not be saved; E_LIBRARY_NOT_FOUND /
    E_FORBIDDEN for the library as addMediaToLibrary; E_RATE_LIMITED when the viewer
    already has `policy.max_active` saves in progress. An existing media item stays as it is (a
    FAILED one stays FAILED: retryMediaProcessing is the way back).
    """
    canonical = canonical_url_to_save(url, allow_hosts=policy.allow_hosts)
    # One viewer's saves one at a time, so two concurrent saves cannot both pass the limit.
    await session.execute(
        select(users.c.id).where(users.c.id == viewer_id).with_for_update(key_share=True)
    )
    row = await _web_article(session, canonical)
    created = False
    if row is None:
        await _check_active_saves(session, viewer_id, policy.max_active)
        inserted = await session.execute(
            insert(media)
            .values(
                kind="web_article",
                title=canonical[:MAX_TITLE_LENGTH],
                canonical_source_url=canonical,
                requested_url=url,
                created_by_user_id=viewer_id,
            )
            .on_conflict_do_nothing(
                index_elements=[media.c.canonical_source_url],
                # A literal, not a parameter: once PostgreSQL switches a prepared statement
                # to its generic plan (the 11th save on a connection), a parameter no longer
                # matches the partial index's predicate and the INSERT fails.
                index_where=media.c.kind == literal_column("'web_article'"),
            )
            .returning(*MEDIA_COLUMNS)
        )
        row = inserted.first()
        if row is None:  # a concurrent save of the same URL committed first
            row = await _web_article(session, canonical)
            if row is None:
                raise NexusError(ErrorCode.E_INTERNAL, "The saved media item vanished.")
        else:
            created = True
            await queue_processing(session, row.id)
            await notify_media_changed(
                session=session, media_id=row.id, status=row.processing_status
            )
    await add_media_to_library(
        session=session,
        viewer_id=viewer_id,
        library_id=await _default_library_id(session, viewer_id),
        media_id=row.id,
    )
    if library_id is not None:
        await add_media_to_library(
            session=session, viewer_id=viewer_id, library_id=library_id, media_id=row.id
        )
    return row, created


async def retry_media_processing(
    *, session: AsyncSession, viewer_id: UUID, media_id: UUID, max_active: int
) -> ResultRow:
    """Queue a FAILED media item again: the viewer saved it or administers a library
    holding it (E_MEDIA_NOT_FOUND when they cannot read it, E_FORBIDDEN when they can);
    E_INVALID_STATE unless it is FAILED. What processing left (fragments, the error, the
    attempts) goes, the status is PENDING again and the job is queued, in one transaction.
    """
    allowed = (media.c.created_by_user_id == viewer_id) | administers_a_library_holding(
        viewer_id, media.c.id
    )
    found = (
        await session.execute(
            select(media.c.processing_status, allowed.label("allowed"))
            .where(media.c.id == media_id, can_read_media(viewer_id, media.c.id))
            .with_for_update(of=media)
        )
    ).first()
    if found is None:
        raise media_not_found()
    if not found.allowed:
        raise NexusError(
            ErrorCode.E_FORBIDDEN,
            "Only the person who saved it or an admin of a library holding it can retry it.",
        )
    if found.processing_status != "failed":
        raise NexusError(
            ErrorCode.E_INVALID_STATE, "Only media whose processing failed can be retried."
        )
    await _check_active_saves(session, viewer_id, max_active)
    await session.execute(delete(fragments).where(fragments.c.media_id == media_id))
    row = (
        await session.execute(
            update(media)
            .where(media.c.id == media_id)
            .values(
                processing_status="pending",
                processing_error_code=None,
                processing_error_message=None,
                processing_attempts=0,
                word_count=0,
                updated_at=func.now(),
            )
            .returning(*MEDIA_COLUMNS)
        )
    ).one()
    await queue_processing(session, media_id)
    await notify_media_changed(session=session, media_id=media_id, status="pending")
    return row


async def _web_article(session: AsyncSession, canonical_url: str) -> ResultRow | None:
    statement = select(*MEDIA_COLUMNS).where(
        media.c.kind == "web_article", media.c.canonical_source_url == canonical_url
    )
    return (await session.execute(statement)).first()


async def _check_active_saves(session: AsyncSession, viewer_id: UUID, max_active: int) -> None:
    active = await session.scalar(
        select(func.count())
        .select_from(media)
        .where(media.c.created_by_user_id == viewer_id, media.c.processing_status.in_(_IN_PROGRESS))
    )
    if (active or 0) >= max_active:
        raise NexusError(
            ErrorCode.E_RATE_LIMITED,
            f"{max_active} of your saves are still being processed; try again when one is done.",
        )


async def _default_library_id(session: AsyncSession, viewer_id: UUID) -> UUID:
    statement = select(libraries.c.id).where(
        libraries.c.owner_user_id == viewer_id, libraries.c.is_default
    )
    library_id: UUID = (await session.execute(statement)).scalar_one()
    return library_id
