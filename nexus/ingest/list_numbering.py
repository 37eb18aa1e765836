"""Where an ordered list starts and which way it counts, which trafilatura 2.3.1 drops with
every other attribute (a list continued after a paragraph would start again at 1).

`start` and `reversed` are read from the source tree before extraction, keyed by the
list's item texts, and set again on the extracted `<ol>` whose items read the same. A list
whose items the extractor changed keeps the default numbering.
"""

from __future__ import annotations

import re

from lxml import etree, html

__all__ = ["ListNumbering", "read_list_numbering", "restore_list_numbering"]

_SPACES = re.compile(r"\s+")
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")

ListNumbering = dict[tuple[str, ...], dict[str, str]]


def _items_key(ordered_list: etree._Element) -> tuple[str, ...]:
    return tuple(
        _SPACES.sub(" ", "".join(item.itertext())).strip()
        for item in ordered_list
        if item.tag == "li"
    )


def read_list_numbering(tree: html.HtmlElement) -> ListNumbering:
    """The numbering attributes of the tree's ordered lists that have any."""
    numbering: ListNumbering = {}
    for ordered_list in tree.iter("ol"):
        attributes = {}
        start = ordered_list.get("start", "").strip()
        if _INTEGER.match(start):
            attributes["start"] = str(int(start))
        if ordered_list.get("reversed") is not None:
            attributes["reversed"] = "reversed"
        if attributes:
            numbering.setdefault(_items_key(ordered_list), attributes)
    return numbering


def restore_list_numbering(body: etree._Element, numbering: ListNumbering) -> None:
    """Set the recorded attributes on each extracted `<ol>` whose items read the same."""
    if not numbering:
        return
    for ordered_list in body.iter("ol"):
        for name, value in numbering.get(_items_key(ordered_list), {}).items():
            ordered_list.set(name, value)
