"""trafilatura's extracted tree (its own XML vocabulary) written as HTML.

trafilatura's own HTML output loses structure a reader sees, checked against 2.3.1: every
list becomes `<ul>` (ordered lists lose their numbers, definition lists their terms), a
`<pre><code>` block becomes `<pre><pre>`, and inline `<code>` becomes a block `<pre>`. This
conversion keeps what trafilatura recorded: the list kind and item roles in `rend`, and code
blocks as `<code>` elements holding one `<code>` (see `source_tree.mark_preformatted`).
"""

from __future__ import annotations

from lxml import etree

__all__ = ["remove_keeping_tail", "to_html_element"]

# What trafilatura keeps under its HTML name; anything else becomes a <div>.
_RENAMES = {
    **{tag: tag for tag in ("p", "table", "del", "div", "figure", "figcaption")},
    "lb": "br",
    "row": "tr",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ol", "ul", "dl"}
_HIGHLIGHTS = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
# Where a `<code>` without line breaks sits in running text, not as a block of its own
# (parents are converted before their children, so these are HTML names).
_INLINE_CONTEXTS = {
    "p",
    "a",
    "li",
    "dt",
    "dd",
    "td",
    "th",
    "del",
    *_HEADINGS,
    *_HIGHLIGHTS.values(),
}


def _only_child_code(elem: etree._Element) -> bool:
    """A block recorded as code: one `<code>` child and no text of its own around it."""
    return (
        len(elem) == 1
        and elem[0].tag == "code"
        and not (elem.text or "").strip()
        and not (elem[0].tail or "").strip()
    )


def _is_code_block(elem: etree._Element) -> bool:
    if _only_child_code(elem):
        return True
    parent = elem.getparent()
    if "\n" in "".join(elem.itertext()).strip():
        return True
    has_text_around = bool((elem.tail or "").strip()) or (
        parent is not None and bool((parent.text or "").strip())
    )
    return parent is None or (parent.tag not in _INLINE_CONTEXTS and not has_text_around)


def _write_code_block(elem: etree._Element) -> None:
    """`<pre><code>text</code></pre>`, whatever code elements trafilatura nested inside."""
    text = "".join(elem.itertext())
    tail = elem.tail
    elem.clear()
    elem.tag = "pre"
    code = etree.SubElement(elem, "code")
    code.text = text
    elem.tail = tail


def _convert(elem: etree._Element) -> None:
    tag, rend = elem.tag, elem.get("rend", "")
    if tag == "code" or (tag == "quote" and _only_child_code(elem)):
        if _is_code_block(elem):
            _write_code_block(elem)
            return
        elem.attrib.clear()
        return
    if tag == "head":
        new_tag = rend if rend in _HEADINGS else "h3"
    elif tag == "list":
        new_tag = rend if rend in _LISTS else "ul"
    elif tag == "item":
        parent = elem.getparent()
        in_dl = parent is not None and parent.tag == "dl"
        new_tag = ("dt" if rend.startswith("dt") else "dd") if in_dl else "li"
    elif tag == "hi":
        new_tag = _HIGHLIGHTS.get(rend, "em")
    elif tag == "cell":
        new_tag = "th" if elem.get("role") == "head" else "td"
    elif tag == "quote":
        new_tag = "blockquote"
    elif tag == "ref":
        # A link without a target is only its text (the sanitizer unwraps the span).
        target = elem.get("target")
        _set_attributes(elem, "a" if target else "span", {"href": target})
        return
    elif tag == "graphic":
        keep = {name: elem.get(name) for name in ("src", "alt", "title")}
        _set_attributes(elem, "img", keep)
        return
    else:
        new_tag = _RENAMES.get(str(tag), "div")
    _set_attributes(elem, new_tag, {})


def _set_attributes(elem: etree._Element, tag: str, attributes: dict[str, str | None]) -> None:
    elem.attrib.clear()
    elem.tag = tag
    for name, value in attributes.items():
        if value:
            elem.set(name, value)


def remove_keeping_tail(elem: etree._Element) -> None:
    """Remove the element and what it holds; the text after it stays where it was."""
    parent, previous = elem.getparent(), elem.getprevious()
    if parent is None:
        return
    if elem.tail and previous is not None:
        previous.tail = (previous.tail or "") + elem.tail
    elif elem.tail:
        parent.text = (parent.text or "") + elem.tail
    parent.remove(elem)


def to_html_element(body: etree._Element) -> etree._Element:
    """The extracted body as an HTML `<div>`, converted in place in document order (a parent
    before its children; what a code block swallowed is detached and left alone), without
    the empty paragraphs trafilatura leaves where it took something out."""
    for elem in list(body.iterdescendants(etree.Element)):
        if elem.getparent() is not None:
            _convert(elem)
    for paragraph in list(body.iter("p")):
        if len(paragraph) == 0 and not (paragraph.text or "").strip():
            remove_keeping_tail(paragraph)
    body.tag = "div"
    body.attrib.clear()
    return body
