"""Sample data for local development: a few web articles in the dev user's default library,
and the dev user's highlights on the first of them.

`nexus dev` runs it once (`only_if_empty`); `nexus seed` runs it again safely: media ids
are derived from the article URLs, so a second run finds everything in place.
"""

from __future__ import annotations

import html
import logging
import re
from uuid import NAMESPACE_URL, UUID, uuid5

import nh3
from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexus.auth.local_keys import DEV_USER_ID
from nexus.db.engine import Database
from nexus.db.tables import fragments, library_media, media
from nexus.errors import ErrorCode, NexusError
from nexus.services.highlight_reads import HighlightColor
from nexus.services.highlights import create_highlight
from nexus.services.media import MediaKind, ProcessingStatus, add_media_to_library
from nexus.services.sample_articles import SAMPLE_ARTICLES, SampleArticle
from nexus.services.users import ensure_user_and_default_library

__all__ = ["canonical_text", "sample_media_id", "seed_sample_data"]

logger = logging.getLogger("nexus.seed")

_WHITESPACE = re.compile(r"\s+")
# The dev user's highlights on each of the first articles: (fragment idx, colour, note),
# each over the fragment's first sentence.
_HIGHLIGHTED_ARTICLES = 3
_SAMPLE_HIGHLIGHTS = (
    (0, HighlightColor.YELLOW, None),
    (1, HighlightColor.GREEN, "Worth coming back to."),
    (2, HighlightColor.PINK, None),
)


def sample_media_id(article: SampleArticle) -> UUID:
    """A stable id per article, so seeding twice finds the first run's rows."""
    return uuid5(NAMESPACE_URL, article.url)


def canonical_text(sanitized_html: str) -> str:
    """The plain text of sanitized HTML: tags dropped, entities decoded, spaces collapsed."""
    text = html.unescape(nh3.clean(sanitized_html, tags=set()))
    return _WHITESPACE.sub(" ", text).strip()


async def _store_article(session: AsyncSession, article: SampleArticle) -> UUID:
    media_id = sample_media_id(article)
    await session.execute(
        insert(media)
        .values(
            id=media_id,
            kind=MediaKind.WEB_ARTICLE.value,
            title=article.title,
            canonical_source_url=article.url,
            processing_status=ProcessingStatus.READY_FOR_READING.value,
        )
        .on_conflict_do_nothing()
    )
    rows = []
    for idx, raw in enumerate(article.paragraphs):
        sanitized = nh3.clean(raw)
        rows.append(
            {
                "media_id": media_id,
                "idx": idx,
                "html_sanitized": sanitized,
                "canonical_text": canonical_text(sanitized),
            }
        )
    await session.execute(insert(fragments).values(rows).on_conflict_do_nothing())
    return media_id


async def _highlight_article(session: AsyncSession, media_id: UUID) -> None:
    """The dev user's sample highlights on an article (those made before stay as they are)."""
    for idx, color, note in _SAMPLE_HIGHLIGHTS:
        statement = select(fragments.c.id, fragments.c.canonical_text).where(
            fragments.c.media_id == media_id, fragments.c.idx == idx
        )
        fragment = (await session.execute(statement)).first()
        if fragment is None:
            continue
        text = fragment.canonical_text
        end = text.find(". ") + 1 or len(text)
        try:
            await create_highlight(
                session=session,
                viewer_id=DEV_USER_ID,
                fragment_id=fragment.id,
                start_offset=0,
                end_offset=end,
                color=color,
                note=note,
            )
        except NexusError as error:
            if error.code is not ErrorCode.E_HIGHLIGHT_CONFLICT:
                raise


async def seed_sample_data(*, database: Database, only_if_empty: bool) -> int:
    """Load the sample articles into the dev user's default library (creating the user
    if needed). With `only_if_empty`, do nothing when that library already holds media.
    Returns how many articles the library received."""
    async with database.transaction() as session:
        library_id = await ensure_user_and_default_library(session=session, user_id=DEV_USER_ID)
        has_media = select(exists().where(library_media.c.library_id == library_id))
        if only_if_empty and (await session.execute(has_media)).scalar_one():
            logger.info("sample data: the dev user's library already holds media")
            return 0
        added = 0
        for article in SAMPLE_ARTICLES:
            media_id = await _store_article(session, article)
            held = select(
                exists().where(
                    library_media.c.library_id == library_id, library_media.c.media_id == media_id
                )
            )
            if not (await session.execute(held)).scalar_one():
                added += 1
            await add_media_to_library(
                session=session, viewer_id=DEV_USER_ID, library_id=library_id, media_id=media_id
            )
        for article in SAMPLE_ARTICLES[:_HIGHLIGHTED_ARTICLES]:
            await _highlight_article(session, sample_media_id(article))
    logger.info("sample data: %d article(s) added to the dev user's default library", added)
    return added
