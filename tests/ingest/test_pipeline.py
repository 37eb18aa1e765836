"""build_article as the worker calls it: bytes in, an Article out (pipeline.py, metadata.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.ingest.canonical_text import canonical_text, count_words
from nexus.ingest.errors import IngestError
from nexus.ingest.metadata import EXCERPT_MAX_CHARS, make_excerpt
from nexus.ingest.pipeline import build_article
from nexus.ingest.sanitize import sanitize_html
from tests.ingest.pages import PAGE_URL, article_page

HEAD = (
    '<meta name="author" content="Ada Gardener">'
    '<meta property="og:site_name" content="Example News">'
    '<meta name="description" content="The Elm Street garden is open again.">'
    '<meta property="article:published_time" content="2024-03-05T10:20:00+01:00">'
)


def _article(body: str = "", **page: str) -> Article:
    return build_article(article_page(body, **page).encode(), url=PAGE_URL)


def test_metadata_of_the_page() -> None:
    article = _article(head=HEAD, lang="en-GB", title="Garden notes")
    assert article.title == "Garden notes"
    assert article.author == "Ada Gardener"
    assert article.site_name == "Example News"
    assert article.published_at == datetime(2024, 3, 5, 9, 20, tzinfo=UTC)
    assert article.published_at.utcoffset() == timedelta(hours=1)
    assert article.language == "en-GB"
    assert article.excerpt == "The Elm Street garden is open again."


def test_date_without_time_is_midnight_utc() -> None:
    article = _article(head='<meta property="article:published_time" content="2023-11-02">')
    assert article.published_at == datetime(2023, 11, 2, tzinfo=UTC)
    assert article.published_at.utcoffset() == timedelta(0)


def test_missing_metadata_is_none() -> None:
    page = article_page("", title="Garden notes").replace(' lang="en"', "")
    article = build_article(page.encode(), url=PAGE_URL)
    assert article.author is None
    assert article.published_at is None


def test_excerpt_without_description_is_the_opening_sentences_after_the_title() -> None:
    article = _article()
    assert article.excerpt == (
        "The community garden on Elm Street opened its gates again this spring, after a "
        "winter of repairs to the greenhouse and the long wooden benches by the pond."
    )


def test_excerpt_of_one_long_sentence_is_cut_at_a_word() -> None:
    excerpt = make_excerpt(None, "word " * 200)
    assert excerpt is not None
    assert len(excerpt) <= EXCERPT_MAX_CHARS
    assert excerpt.endswith("word…")


def test_long_description_is_cut_too() -> None:
    excerpt = make_excerpt("A sentence of the description. " * 30, "text")
    assert excerpt is not None
    assert len(excerpt) <= EXCERPT_MAX_CHARS
    assert excerpt.endswith("description.")


def test_excerpt_is_plain_text_on_one_line() -> None:
    assert make_excerpt(None, "Title\nFirst  line.\nSecond\tline.", "Title") == (
        "First line. Second line."
    )


def test_stored_texts_are_consistent() -> None:
    article = _article("<p>A <em>short</em> paragraph with a <a href='/x'>link</a>.</p>")
    assert sanitize_html(article.html_sanitized) == article.html_sanitized
    assert canonical_text(article.html_sanitized) == article.canonical_text
    assert article.word_count == count_words(article.canonical_text)
    assert "Garden notes\nThe community garden on Elm Street" in article.canonical_text
    assert "Copyright" not in article.canonical_text
    assert "Home" not in article.canonical_text


def test_content_type_charset_decodes_the_body() -> None:
    page = article_page("<p>Les élèves ont planté des crème-fraîche tomates à la façon.</p>")
    body = page.replace('<meta charset="utf-8">', "").encode("cp1252")
    article = build_article(body, url=PAGE_URL, content_type="text/html; charset=windows-1252")
    assert "Les élèves ont planté des crème-fraîche tomates à la façon." in article.canonical_text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><head><title>Empty</title></head><body></body></html>",
        b"<html><body><script>document.write('hello')</script></body></html>",
        b"\x00\x01\x02\x03",
        b"<html><head><title>Only a title here</title></head></html>",
        b"<html><frameset><frame src=a.html></frameset></html>",
    ],
)
def test_page_without_an_article_is_ingest_failed(body: bytes) -> None:
    with pytest.raises(IngestError) as raised:
        build_article(body, url=PAGE_URL)
    assert raised.value.code is ErrorCode.E_INGEST_FAILED
    assert raised.value.message == "No article was found on the page."
    assert raised.value.transient is False


def test_threads_get_what_one_thread_gets() -> None:
    pages = [
        article_page(
            f"<p>Page number {i} tells its own story about the plots.</p>",
            head=HEAD,
            title=f"Notes {i}",
        ).encode()
        for i in range(8)
    ]
    alone = [build_article(page, url=PAGE_URL) for page in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda page: build_article(page, url=PAGE_URL), pages * 2))
    assert together == alone * 2


def test_xhtml_page_with_an_xml_declaration() -> None:
    page = article_page("<p>Les élèves ont planté des tomates à la façon de leur grand-mère.</p>")
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + page).encode("latin-1")
    article = build_article(body, url=PAGE_URL, content_type="application/xhtml+xml")
    assert "Les élèves ont planté des tomates à la façon de leur grand-mère." in (
        article.canonical_text
    )


_MARKUP = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<pre>",
            "<ol start=x>",
            "<li>",
            "<figure>",
            "<figcaption>",
            "<img src=a.png>",
            "<a href=../x>",
            "</a>",
            "<br>",
            "<!--",
            "-->",
            "<table><tr><td>",
            "<script>",
            "</script>",
            "<html>",
            "<body hidden>",
            "<base href=:>",
            "<?xml encoding='utf-16'?>",
            "<head><title>T</title></head>",
            "<frameset>",
            "<aside>",
            "<dl><dt>",
            "<dd>",
            "<code>",
            "<blockquote>",
            "<h2>",
            "<template>",
            "<svg>",
            "\u0301",
            "e",
            "Word and more words. ",
            "\n",
            " ",
        ]
    ),
    max_size=60,
).map("".join)


def _article_or_refusal(body: bytes, content_type: str | None = None) -> Article | IngestError:
    try:
        return build_article(body, url=PAGE_URL, content_type=content_type)
    except IngestError as error:
        return error


@settings(max_examples=150, deadline=None)
@given(page=_MARKUP)
def test_any_markup_gives_an_article_or_ingest_failed(page: str) -> None:
    result = _article_or_refusal(page.encode())
    if isinstance(result, IngestError):
        assert result.code is ErrorCode.E_INGEST_FAILED
    else:
        assert result.canonical_text == canonical_text(result.html_sanitized)
        assert result.canonical_text.strip() == result.canonical_text != ""


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300), content_type=st.sampled_from([None, "text/html; charset=x"]))
def test_any_bytes_give_an_article_or_ingest_failed(body: bytes, content_type: str | None) -> None:
    result = _article_or_refusal(body, content_type)
    assert isinstance(result, Article) or result.code is ErrorCode.E_INGEST_FAILED
