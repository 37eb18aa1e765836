"""An article's facts (title, author, site, date, language, excerpt) from its page.

trafilatura reads them (meta tags, JSON-LD, htmldate for the date); the language is the
page's own `lang` (or `Content-Language`) before trafilatura's guess; the excerpt is the
page's description, else the opening sentences of the article's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import html
from trafilatura.metadata import extract_metadata
from trafilatura.settings import set_date_params

__all__ = ["EXCERPT_MAX_CHARS", "PageMetadata", "make_excerpt", "read_metadata"]

EXCERPT_MAX_CHARS = 300
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])\s+")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# htmldate's output with the time and offset when the page gives them.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What the page says about itself; every field may be missing."""

    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    description: str | None = None


def _clean(value: str | None) -> str | None:
    text = _SPACES.sub(" ", value or "").strip()
    return text or None


def _published_at(value: str | None) -> datetime | None:
    """The date as an aware datetime; a date without a zone is taken as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _page_language(tree: html.HtmlElement) -> str | None:
    """The root's `lang` (or `xml:lang`), else `<meta http-equiv="content-language">`, as a
    BCP 47 tag with `_` read as `-`; anything that is not a language tag is ignored."""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath(
            "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')"
            " = 'content-language']/@content"
        ),
    ]
    for candidate in candidates:
        tag = str(candidate or "").split(",")[0].strip().replace("_", "-")
        if _LANGUAGE_TAG.match(tag):
            return tag
    return None


def read_metadata(tree: html.HtmlElement, url: str) -> PageMetadata:
    """The page's metadata as trafilatura reads it (the tree is left as it was)."""
    date_config = {**set_date_params(extensive=True), "outputformat": _DATE_FORMAT}
    found = extract_metadata(tree, default_url=url, date_config=date_config)
    return PageMetadata(
        title=_clean(found.title),
        author=_clean(found.author),
        site_name=_clean(found.sitename),
        published_at=_published_at(found.date),
        language=_page_language(tree) or _clean(found.language),
        description=_clean(found.description),
    )


def make_excerpt(description: str | None, text: str, title: str | None = None) -> str | None:
    """The description, else the text's opening sentences (after its first line when that
    is the title), as plain text of at most EXCERPT_MAX_CHARS characters (cut at a word with
    an ellipsis when one sentence is longer)."""
    first_line, _, rest = text.partition("\n")
    if title is not None and rest and _clean(first_line) == _clean(title):
        text = rest
    source = _clean(description) or _clean(text)
    if source is None:
        return None
    excerpt = ""
    for sentence in _SENTENCE_END.split(source):
        candidate = f"{excerpt} {sentence}".strip()
        if len(candidate) > EXCERPT_MAX_CHARS:
            break
        excerpt = candidate
    if excerpt:
        return excerpt
    cut = source[: EXCERPT_MAX_CHARS - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
