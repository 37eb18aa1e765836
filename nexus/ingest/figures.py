"""Figure captions, which trafilatura 2.3.1 drops or mangles (of `<figcaption>Caption
<em>one</em>.</figcaption>` it keeps a stray paragraph "one.").

The captions are taken out of the source tree before extraction, keyed by the absolute
URL of the figure's image, and put back after it: an image the extractor kept becomes
`<figure><img><figcaption>text</figcaption></figure>`. A caption whose image was not kept
is not kept either.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree, html

__all__ = ["restore_figures", "take_figure_captions"]

_SPACES = re.compile(r"\s+")
# Where a figure may stand in the converted HTML: as a block, not inside running text.
_BLOCK_PARENTS = {"div", "blockquote", "li", "dd", "td", "th"}


def _image_urls(img: etree._Element, page_url: str) -> set[str]:
    """Every URL trafilatura may have kept for this image (it prefers `data-src`)."""
    values = [
        value for name, value in img.attrib.items() if name == "src" or name.startswith("data-src")
    ]
    return {urljoin(page_url, value.strip()) for value in values if value.strip()}


def take_figure_captions(tree: html.HtmlElement, page_url: str) -> dict[str, str]:
    """Remove each `<figcaption>` from the tree; its text, by the URLs of its figure's
    images (the first figure wins when two share an image)."""
    captions: dict[str, str] = {}
    for figcaption in list(tree.iter("figcaption")):
        figure = next(figcaption.iterancestors("figure"), None)
        text = _SPACES.sub(" ", figcaption.text_content()).strip()
        figcaption.drop_tree()
        if figure is None or not text:
            continue
        for img in figure.iter("img"):
            for url in _image_urls(img, page_url):
                captions.setdefault(url, text)
    return captions


def restore_figures(body: etree._Element, captions: dict[str, str]) -> None:
    """Wrap each kept image whose figure had a caption in `<figure>` with its caption (an
    image alone in a paragraph takes the paragraph's place)."""
    if not captions:
        return
    for img in list(body.iter("img")):
        caption = captions.pop(img.get("src", ""), None)
        if caption is None:
            continue
        place, parent = img, img.getparent()
        if parent is not None and parent.tag == "figure":
            # readability-lxml keeps the source's <figure>: only the caption is missing.
            etree.SubElement(parent, "figcaption").text = caption
            continue
        if parent is not None and parent.tag == "p" and _holds_only(parent, img):
            place, parent = parent, parent.getparent()
        if parent is None or parent.tag not in _BLOCK_PARENTS:
            continue
        figure = etree.Element("figure")
        figure.tail, place.tail = place.tail, None
        place.addprevious(figure)
        if place is not img:
            parent.remove(place)
        img.tail = None
        figure.append(img)
        etree.SubElement(figure, "figcaption").text = caption


def _holds_only(paragraph: etree._Element, img: etree._Element) -> bool:
    return (
        len(paragraph) == 1 and not (paragraph.text or "").strip() and not (img.tail or "").strip()
    )
