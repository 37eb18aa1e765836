"""The article pipeline: a page's bytes in, a sanitized `Article` out (reading.md,
Extraction and sanitizing). Pure and synchronous: no database, no network, no shared
mutable state, so the worker (off its event loop, in threads or processes), the benchmark
and the tests run this very function."""

from __future__ import annotations

from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.ingest.canonical_text import canonical_text, count_words
from nexus.ingest.decoding import decode_html
from nexus.ingest.errors import IngestError
from nexus.ingest.extraction import extract_main_content
from nexus.ingest.metadata import make_excerpt, read_metadata
from nexus.ingest.sanitize import sanitize_html
from nexus.ingest.source_tree import parse_page

__all__ = ["NO_ARTICLE_MESSAGE", "build_article"]

NO_ARTICLE_MESSAGE = "No article was found on the page."


def build_article(body: bytes, *, url: str, content_type: str | None = None) -> Article:
    """Decode the body (charset from `content_type`, else the document, else detection),
    extract the main content, sanitize it, and derive the canonical text and metadata;
    `url` (the final one, after redirects) makes links and images absolute.

    Raises IngestError(E_INGEST_FAILED) when the page holds no readable article.
    """
    tree = parse_page(decode_html(body, content_type))
    if tree is None:
        raise IngestError(ErrorCode.E_INGEST_FAILED, NO_ARTICLE_MESSAGE)
    metadata = read_metadata(tree, url)
    content = extract_main_content(tree, url=url)
    html_sanitized = sanitize_html(content or "")
    text = canonical_text(html_sanitized)
    if not text:
        raise IngestError(ErrorCode.E_INGEST_FAILED, NO_ARTICLE_MESSAGE)
    return Article(
        html_sanitized=html_sanitized,
        canonical_text=text,
        word_count=count_words(text),
        title=metadata.title,
        author=metadata.author,
        site_name=metadata.site_name,
        published_at=metadata.published_at,
        language=metadata.language,
        excerpt=make_excerpt(metadata.description, text, metadata.title),
    )
