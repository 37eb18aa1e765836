"""The canonical text of a sanitized article: what highlight offsets count (reading.md).

The rules, applied to the sanitized HTML parsed by lxml:

- Block elements (paragraphs, headings, list items, quotes, table cells, figure captions,
  ...) each start and end a line; `<br>` ends one. Lines are joined by one `\\n`, and a
  line left empty is dropped, so there is never a blank line.
- Inside a line, every run of whitespace (any Unicode whitespace, the no-break space
  included) becomes one space, and the line is stripped.
- `<pre>`: its line breaks are kept, each as a `\\n` (as if it were a `<br>`), so code
  reads line by line; indentation and other runs collapse as anywhere else.
- Nothing from `script`, `style`, `template`, `noscript`, comments, or elements marked
  `hidden`; images contribute no text (their `alt` is not shown).
- The result is in Unicode NFC, without leading or trailing whitespace.

It is a pure function of the HTML: the same sanitized HTML always gives the same text.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree, html

__all__ = ["canonical_text", "count_words"]

_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "dd", "details", "div"),
        *("dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary"),
        *("table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_UNSEEN = frozenset({"script", "style", "template", "noscript", "head", "title"})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def _is_unseen(elem: etree._Element) -> bool:
    return elem.tag in _UNSEEN or elem.get("hidden") is not None


class _Lines:
    """The text gathered so far, as lines of pieces."""

    def __init__(self) -> None:
        self.lines: list[list[str]] = [[]]

    def add(self, text: str | None, *, preformatted: bool) -> None:
        if not text:
            return
        if not preformatted:
            self.lines[-1].append(text)
            return
        first, *rest = text.split("\n")
        self.lines[-1].append(first)
        for line in rest:
            self.lines.append([line])

    def end_line(self) -> None:
        if self.lines[-1]:
            self.lines.append([])

    def text(self) -> str:
        collapsed = (_SPACES.sub(" ", "".join(pieces)).strip() for pieces in self.lines)
        return unicodedata.normalize("NFC", "\n".join(line for line in collapsed if line))


def canonical_text(sanitized_html: str) -> str:
    """The canonical text of the sanitized HTML, by the rules of this module."""
    if not sanitized_html.strip():
        return ""
    root = html.fragment_fromstring(sanitized_html, create_parent="div")
    lines = _Lines()
    pre_depth = 0
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, elem in walker:
        if event in ("comment", "pi"):
            lines.add(elem.tail, preformatted=pre_depth > 0)
            continue
        if _is_unseen(elem):
            if event == "start":
                walker.skip_subtree()
            else:
                lines.add(elem.tail, preformatted=pre_depth > 0)
            continue
        tag = elem.tag
        if event == "start":
            if tag in _BLOCKS or tag == "br":
                lines.end_line()
            pre_depth += tag == "pre"
            lines.add(elem.text, preformatted=pre_depth > 0)
        else:
            if tag in _BLOCKS:
                lines.end_line()
            pre_depth -= tag == "pre"
            if elem is not root:
                lines.add(elem.tail, preformatted=pre_depth > 0)
    return lines.text()


def count_words(text: str) -> int:
    """Words are runs of Unicode word characters (`\\w+`: letters, digits, underscore), so
    "don't" counts two and a run of CJK characters without spaces counts one."""
    return len(_WORD.findall(text))
