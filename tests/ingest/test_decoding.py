"""Which charset a page is decoded with: BOM, header, document, detection (decoding.py)."""

from __future__ import annotations

import codecs

import pytest

from nexus.ingest.decoding import decode_html, detect_charset

FRENCH = "Les élèves ont mangé une crème brûlée à la façon de leur grand-mère, « naïvement »."
JAPANESE = "日本語の記事です。東京都の天気は晴れで、桜が咲き始めました。皆さんお元気ですか。"


def _page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("text", "encoding", "label"),
    [
        (FRENCH, "utf-8", "utf-8"),
        (FRENCH, "cp1252", "windows-1252"),
        (FRENCH, "latin-1", "ISO-8859-1"),
        (JAPANESE, "shift_jis", "Shift_JIS"),
    ],
)
def test_charset_of_the_header_is_used(text: str, encoding: str, label: str) -> None:
    body = _page(text).encode(encoding)
    assert text in decode_html(body, f'text/html; charset="{label}"')


@pytest.mark.parametrize(
    ("text", "encoding", "head"),
    [
        (FRENCH, "cp1252", '<meta charset="windows-1252">'),
        (
            FRENCH,
            "latin-1",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        ),
        (JAPANESE, "shift_jis", "<meta charset=shift_jis>"),
        (FRENCH, "utf-8", "<meta charset='UTF-8'>"),
    ],
)
def test_charset_declared_in_the_document_is_used(text: str, encoding: str, head: str) -> None:
    assert text in decode_html(_page(text, head).encode(encoding), "text/html")


def test_xml_declaration_names_the_charset() -> None:
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?>' + _page(FRENCH)).encode("latin-1")
    assert FRENCH in decode_html(body, None)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(FRENCH, "utf-8"), (FRENCH, "cp1252"), (JAPANESE, "shift_jis"), (JAPANESE, "utf-8")],
)
def test_undeclared_charset_is_detected(text: str, encoding: str) -> None:
    assert text in decode_html(_page(text).encode(encoding), "text/html")


def test_utf8_page_whose_first_64_kib_are_ascii_is_utf8() -> None:
    body = _page("x" * 70_000 + " " + FRENCH).encode("utf-8")
    assert detect_charset(body, None) == "utf_8"


def test_header_wins_over_the_document() -> None:
    body = _page(FRENCH, '<meta charset="utf-8">').encode("cp1252")
    assert FRENCH in decode_html(body, "text/html; charset=windows-1252")


def test_byte_order_mark_wins_over_the_header_and_is_not_kept() -> None:
    body = codecs.BOM_UTF8 + _page(FRENCH).encode("utf-8")
    text = decode_html(body, "text/html; charset=windows-1252")
    assert FRENCH in text
    assert not text.startswith("\ufeff")


def test_utf16_page_with_bom() -> None:
    body = codecs.BOM_UTF16_LE + _page(JAPANESE).encode("utf-16-le")
    assert JAPANESE in decode_html(body, None)


def test_labels_are_read_as_browsers_read_them() -> None:
    # ISO-8859-1 means windows-1252: 0x93/0x94 are curly quotes, not C1 controls.
    assert decode_html(b"\x93quoted\x94", "text/html; charset=iso-8859-1") == "\u201cquoted\u201d"


def test_unknown_label_falls_through_to_the_document() -> None:
    body = _page(FRENCH, '<meta charset="windows-1252">').encode("cp1252")
    assert FRENCH in decode_html(body, "text/html; charset=no-such-charset")


def test_invalid_bytes_are_replaced_never_raised() -> None:
    text = decode_html(b"<p>ok \xff\xfe\xc3 end</p>", "text/html; charset=utf-8")
    assert text == "<p>ok \ufffd\ufffd\ufffd end</p>"


def test_empty_body_decodes_to_nothing() -> None:
    assert decode_html(b"", None) == ""
