"""The processing job of a saved media item: fetch, extract off the loop, record.

It only orchestrates (STYLE.md): each lifecycle step is a service in one transaction
(`nexus.services.processing`), the fetcher and the pipeline are `nexus.ingest`'s.
"""

from __future__ import annotations

import logging
from uuid import UUID

from procrastinate import JobContext

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import fetch_page
from nexus.queue.app import RetryLater
from nexus.services.processing import (
    complete_processing,
    fail_processing,
    release_for_retry,
    start_processing,
)
from nexus.worker.log_context import job_log_context
from nexus.worker.resources import WorkerResources, resources_of

__all__ = ["GENERIC_FAILURE", "process_media"]

logger = logging.getLogger("nexus.worker")

GENERIC_FAILURE = "The page could not be processed."
TOO_MANY_ATTEMPTS = "Processing was interrupted too many times."


async def process_media(context: JobContext, *, media_id: str) -> None:
    """Run one attempt of the media's processing. A transient failure with attempts left
    releases the media and raises RetryLater (the queue runs the job again later);
    every other outcome is recorded on the media and ends the job."""
    with job_log_context(job_id=context.job.id, media_id=media_id):
        await _process(resources_of(context), UUID(media_id), rerun=context.job.attempts > 0)


async def _process(resources: WorkerResources, media_id: UUID, *, rerun: bool) -> None:
    database = resources.database
    if rerun:
        # An earlier run may have stopped mid-way (its worker stopped or died) and left
        # the media EXTRACTING; no other job of this media runs meanwhile (the media id
        # is the job's lock). Every start counts against the attempts, interrupted or not.
        async with database.transaction() as session:
            attempts = await release_for_retry(session=session, media_id=media_id)
            if attempts >= resources.max_attempts:
                if await fail_processing(
                    session=session,
                    media_id=media_id,
                    code=ErrorCode.E_INGEST_FAILED,
                    message=TOO_MANY_ATTEMPTS,
                ):
                    logger.warning("processing failed: its %d attempts were used", attempts)
                return
    async with database.transaction() as session:
        url = await start_processing(session=session, media_id=media_id)
    if url is None:
        logger.info("nothing to process: the media is gone or not pending")
        return
    try:
        page = await fetch_page(url, limits=resources.limits, allow_hosts=resources.allow_hosts)
        article = await resources.extractor.build(
            page.body, url=page.final_url, content_type=page.content_type
        )
        async with database.transaction() as session:
            survivor = await complete_processing(
                session=session, media_id=media_id, article=article, final_url=page.final_url
            )
    except IngestError as error:
        await _record_failure(resources, media_id, error)
        return
    except Exception:
        logger.exception("processing failed unexpectedly")
        await _fail(resources, media_id, ErrorCode.E_INGEST_FAILED, GENERIC_FAILURE)
        return
    if survivor is None:
        logger.info("processed, but the media was no longer extracting: nothing recorded")
    elif survivor != media_id:
        logger.info("processed and merged into media %s (same final URL)", survivor)
    else:
        logger.info("processed: ready for reading")


async def _record_failure(resources: WorkerResources, media_id: UUID, error: IngestError) -> None:
    if not error.transient:
        logger.info("processing failed: %s (%s)", error.code.value, error.message)
        await _fail(resources, media_id, error.code, error.message)
        return
    async with resources.database.transaction() as session:
        attempts = await release_for_retry(session=session, media_id=media_id)
        if attempts >= resources.max_attempts:
            await fail_processing(
                session=session, media_id=media_id, code=error.code, message=error.message
            )
    if attempts >= resources.max_attempts:
        logger.info("processing failed after %d attempts: %s", attempts, error.message)
        return
    logger.info("attempt %d failed, to retry: %s", attempts, error.message)
    raise RetryLater(attempts)


async def _fail(resources: WorkerResources, media_id: UUID, code: ErrorCode, message: str) -> None:
    async with resources.database.transaction() as session:
        await fail_processing(session=session, media_id=media_id, code=code, message=message)
