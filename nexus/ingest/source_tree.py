"""The page's parsed tree, prepared before the extractor reads it.

What trafilatura 2.3.1 gets wrong on the source is corrected here, where the original
markup still tells it apart: hidden elements (`hidden`, inline `display:none` or
`visibility:hidden`) would reach the reader; a `<pre>` without code-like characters
becomes a block quote, so every `<pre>` is given one `<code>` child that the HTML conversion
recognises as a code block; relative links are resolved against the site's root.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree, html
from trafilatura.utils import load_html

__all__ = ["drop_hidden", "mark_preformatted", "parse_page", "resolve_links"]

_ABSOLUTE = ("https://", "http://", "data:", "javascript:", "mailto:", "#")
_MAYBE_HIDDEN = etree.XPath("//template | //*[@hidden] | //*[@style]")
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)


def parse_page(text: str) -> html.HtmlElement | None:
    """The page as an lxml HTML tree, parsed as trafilatura parses it (comments dropped,
    their tail text kept: trafilatura loses the text after a comment in a tree given to it
    with comments), rooted at `<html>`, or None when it is not an HTML document."""
    if not text.strip():
        return None
    tree = load_html(text)
    if tree is None or tree.tag == "html":
        return tree
    # A fragment (lxml's root is then the first element, an <svg> say) is put in a
    # document: the metadata and extraction steps remove elements and expect a parent.
    document = html.Element("html")
    etree.SubElement(document, "body").append(tree)
    return document


def drop_hidden(tree: html.HtmlElement) -> None:
    """Remove what a browser would not show: `hidden`, `display:none`, `visibility:hidden`,
    and `<template>` (inert until a script uses it). The tail text stays. `<body>` stays
    whatever it says: pages hide it until their scripts have run."""
    doomed = [
        elem
        for elem in _MAYBE_HIDDEN(tree)
        if elem.getparent() is not None
        and elem.tag != "body"
        and (
            elem.tag == "template"
            or elem.get("hidden") is not None
            or _HIDDEN_STYLE.search(elem.get("style", "")) is not None
        )
    ]
    for elem in doomed:
        elem.drop_tree()


def mark_preformatted(tree: html.HtmlElement) -> None:
    """Give every `<pre>` one `<code>` child holding its content."""
    for pre in tree.iter("pre"):
        if len(pre) == 1 and pre[0].tag == "code" and not (pre.text or "").strip():
            continue
        code = etree.SubElement(pre, "code")
        code.text = pre.text
        pre.text = None
        for child in list(pre)[:-1]:
            code.append(child)


def resolve_links(tree: html.HtmlElement, url: str) -> None:
    """Make link targets and image sources absolute against the page's URL (or its
    `<base href>`), as a browser would. trafilatura resolves links against the site's root
    instead ("../b.html" on /2024/03/a.html becomes /b.html)."""
    base = next((b.get("href", "").strip() for b in tree.iter("base") if b.get("href")), "")
    base_url = urljoin(url, base) if base else url
    for elem in tree.iter("a", "img"):
        for name, value in elem.attrib.items():
            is_url = name in {"href", "src"} or name.startswith("data-src")
            if is_url and not value.startswith(_ABSOLUTE):
                try:
                    elem.set(name, urljoin(base_url, value.strip()))
                except ValueError:
                    del elem.attrib[name]
