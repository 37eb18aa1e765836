"""The article's main content, as (unsanitized) HTML with absolute URLs.

trafilatura finds it, keeping structure, links, images and tables; readability-lxml is the
fallback when trafilatura finds nothing. The source tree is prepared first
(`source_tree`, `figures`) and trafilatura's tree written as HTML by `trafilatura_html`,
which correct what 2.3.1 gets wrong in ways a reader sees.

Thread and process safe: every call builds its own trees and options; trafilatura's
deduplication cache (its one shared, mutable state) is not used, its configuration is only
read, its lazy one-time set-ups (justext's stoplist, htmldate's lru_caches) are idempotent,
and lxml locks a parser shared between threads.
"""

from __future__ import annotations

import re
from copy import deepcopy

import trafilatura
from lxml import etree, html
from readability import Document as ReadabilityDocument  # type: ignore[import-untyped]
from readability.readability import Unparseable  # type: ignore[import-untyped]

from nexus.ingest.figures import restore_figures, take_figure_captions
from nexus.ingest.list_numbering import read_list_numbering, restore_list_numbering
from nexus.ingest.source_tree import drop_hidden, mark_preformatted, resolve_links
from nexus.ingest.trafilatura_html import remove_keeping_tail, to_html_element

__all__ = ["extract_main_content", "place_images"]

_SPACES = re.compile(r"\s+")
# trafilatura's structural elements, whose children are blocks of their own.
# Images never cost text: when the run with images, pruned, holds less of the chosen text
# than this, the run without images is the article (and it has no images).
_TEXT_KEPT_WITH_IMAGES = 0.9
_CONTAINERS = frozenset({"table", "row", "cell", "list", "item", "quote", "div"})


def _trafilatura_body(tree: html.HtmlElement, url: str, *, images: bool) -> etree._Element | None:
    """trafilatura's extracted tree (its own vocabulary), or None when it finds no text."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        include_images=images,
        include_links=True,
        include_formatting=True,
        deduplicate=False,
        with_metadata=False,
    )
    if document is None or isinstance(document, dict) or document.body is None:
        return None
    return document.body if _has_text(document.body) else None


def _normalized_text(elem: etree._Element) -> str:
    return _SPACES.sub(" ", " ".join(elem.itertext())).strip()


class _ChosenText:
    """What the run without images chose: the text of each of its elements, and all of it."""

    def __init__(self, text_only: etree._Element) -> None:
        self.blocks = {_normalized_text(elem) for elem in text_only.iter(etree.Element)}
        self.whole = _normalized_text(text_only)

    def prune(self, container: etree._Element) -> bool:
        """Prune from a container of the run with images what was not chosen; True when
        it keeps chosen text.

        A block whose text was chosen stays whole (with its images). A container (table,
        row, cell, list, item, quote, div) is pruned child by child and removed when none
        of its text was chosen, images and all: a gallery, a logo bar, a table of rates.
        Any other block with text that was not chosen is removed; an image, or a block
        holding only images, stays where the run put it, but not the loose text around it
        (a print header's URL) unless that text was chosen too.
        """
        self._prune_loose_text(container)
        kept = [self._keep(child) for child in list(container)]
        return any(kept)

    def _keep(self, block: etree._Element) -> bool:
        text = _normalized_text(block)
        if text and text in self.blocks:
            return True
        if block.tag in _CONTAINERS:
            if self.prune(block):
                return True
            remove_keeping_tail(block)
        elif text:
            remove_keeping_tail(block)
        return False

    def _prune_loose_text(self, container: etree._Element) -> None:
        if not self._chosen_words(container.text):
            container.text = None
        for child in container:
            if not self._chosen_words(child.tail):
                child.tail = None

    def _chosen_words(self, text: str | None) -> bool:
        words = _SPACES.sub(" ", text or "").strip()
        return not words or words in self.whole


def _with_trafilatura(tree: html.HtmlElement, url: str) -> etree._Element | None:
    """trafilatura's text, with the images it keeps when asked for them.

    With images on, trafilatura 2.3.1 also keeps the text of image containers (gallery
    captions, credits, "more/less" toggles, print headers): on the extraction benchmark
    (nexus.bench.extraction) F1 falls from 0.961 to 0.952. So it runs twice: the run
    without images chooses the text, the run with images places the images among it
    (0.960; 0.958 once figure captions, which the benchmark's truth leaves out, are back).
    """
    text_only = _trafilatura_body(tree, url, images=False)
    if text_only is None:
        return None
    with_images = None
    if next(tree.iter("img"), None) is not None:
        with_images = _trafilatura_body(tree, url, images=True)
    if with_images is None:
        return to_html_element(text_only)
    return to_html_element(place_images(text_only, with_images))


def place_images(text_only: etree._Element, with_images: etree._Element) -> etree._Element:
    """The run with images pruned to the text the run without images chose (both in
    trafilatura's vocabulary), or the run without images when the pruned one lost text."""
    chosen = _ChosenText(text_only)
    chosen.prune(with_images)
    if len(_normalized_text(with_images)) < _TEXT_KEPT_WITH_IMAGES * len(chosen.whole):
        return text_only
    return with_images


def _with_readability(tree: html.HtmlElement, url: str) -> etree._Element | None:
    try:
        summary = ReadabilityDocument(deepcopy(tree), url=url).summary(html_partial=True)
    except Unparseable:  # readability-lxml's wrapper of whatever went wrong inside it
        return None
    if not isinstance(summary, str) or not summary.strip():
        return None
    # The summary is a <body>, or the whole page when it found no body (a frameset, a
    # head alone): only a body's content is an article.
    body = html.document_fromstring(summary).find("body")
    if body is None or not _has_text(body):
        return None
    body.tag = "div"
    body.attrib.clear()
    return body


def _has_text(body: etree._Element) -> bool:
    return any(text.strip() for text in body.itertext())


def extract_main_content(tree: html.HtmlElement, *, url: str) -> str | None:
    """The main content of the parsed page as an HTML fragment (links and images made
    absolute against `url`), or None when neither extractor finds readable text. The tree
    is prepared in place (hidden elements and figure captions removed)."""
    drop_hidden(tree)
    resolve_links(tree, url)
    mark_preformatted(tree)
    captions = take_figure_captions(tree, url)
    numbering = read_list_numbering(tree)
    body = _with_trafilatura(tree, url)
    if body is None:
        body = _with_readability(tree, url)
    if body is None:
        return None
    restore_figures(body, captions)
    restore_list_numbering(body, numbering)
    return etree.tostring(body, method="html", encoding="unicode")
