"""What the pipeline makes of a page: the one fragment's texts and the article's facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Article"]


@dataclass(frozen=True, slots=True)
class Article:
    """A page turned into a readable article (reading.md, Extraction and sanitizing).

    `html_sanitized` is the only HTML ever stored; `canonical_text` is derived from it and
    never changes once written (highlight offsets count its code points).
    """

    html_sanitized: str
    canonical_text: str
    word_count: int
    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    excerpt: str | None = None
