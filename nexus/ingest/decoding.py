"""Turning a page's bytes into text: which charset, in which order (reading.md, Fetching).

A byte-order mark wins (as in browsers), then the charset of the Content-Type header, then
the document's own declaration (`<meta charset>`, `<meta http-equiv>`, the XML declaration),
then UTF-8 when the bytes are valid UTF-8, then detection by charset-normalizer (which
samples the whole body), then UTF-8. Labels are read the way browsers read
them: ISO-8859-1 and US-ASCII mean windows-1252, a UTF-16 label inside the document means
UTF-8 (the document could not have been parsed to find it otherwise). Bytes that do not
decode become U+FFFD; decoding never raises.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

from charset_normalizer import from_bytes

__all__ = ["decode_html", "detect_charset"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# How far into the document a declaration is looked for (browsers prescan 1024 bytes;
# pages with long comments or scripts in <head> push it further).
_PRESCAN_BYTES = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# Labels the Encoding Standard maps to another codec than Python's namesake.
_BROWSER_ALIASES = {
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "tis_620": "cp874",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}


def _codec_name(label: str) -> str | None:
    """The Python codec a charset label names, the browser's reading of it, or None."""
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    name = name.replace("-", "_")
    return _BROWSER_ALIASES.get(name, name)


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return _codec_name(charset) if isinstance(charset, str) else None


def _declared_charset(body: bytes) -> str | None:
    head = body[:_PRESCAN_BYTES]
    for pattern in (_XML_DECLARATION, _META_CHARSET):
        match = pattern.search(head)
        if match:
            name = _codec_name(match.group(1).decode("ascii"))
            if name is not None:
                return "utf_8" if name.startswith("utf_16") else name
    return None


def _detected_charset(body: bytes) -> str:
    # Text in a legacy encoding almost never happens to be valid UTF-8, and a page whose
    # first kilobytes are ASCII may hold its first non-ASCII character much further on.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf_8"
    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return "utf_8"
    # Single-byte codecs often read a short Western page with as little mess; windows-1252,
    # the web's default legacy encoding, is then the likeliest (charset-normalizer's own
    # order, led by its language guess, picks a Baltic or Central European codec for French).
    least_mess = [m for m in matches if m.chaos == best.chaos]
    if any("cp1252" in m.could_be_from_charset for m in least_mess):
        return "cp1252"
    return _codec_name(best.encoding) or "utf_8"


def detect_charset(body: bytes, content_type: str | None = None) -> str:
    """The codec the body is decoded with, by the precedence of the module's rule."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return _header_charset(content_type) or _declared_charset(body) or _detected_charset(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page's text; undecodable bytes become U+FFFD, and a BOM is not kept."""
    charset = detect_charset(body, content_type)
    text = body.decode(charset, errors="replace")
    return text.removeprefix("\ufeff")
