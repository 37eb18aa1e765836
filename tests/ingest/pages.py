"""Small article pages written for the pipeline's tests (never copies of real pages)."""

from __future__ import annotations

PAGE_URL = "https://news.example.org/2024/03/garden-notes.html"

OPENING = (
    "<p>The community garden on Elm Street opened its gates again this spring, after a "
    "winter of repairs to the greenhouse and the long wooden benches by the pond.</p>"
    "<p>Volunteers arrived early on Saturday morning, carrying seedlings, compost and "
    "coffee, and by noon the first beds were planted with lettuce, peas and radishes.</p>"
    "<p>The garden's committee hopes that the new rainwater tanks will carry the plots "
    "through the dry weeks of August without any help from the city's water supply.</p>"
)
CLOSING = (
    "<p>Children from the primary school next door have been given two beds of their own, "
    "where they will grow sunflowers and pumpkins for the harvest festival in October.</p>"
    "<p>Anyone who wants a plot can add their name to the waiting list at the gate; the "
    "committee expects about a dozen plots to become free before the summer holidays.</p>"
)


def article_page(
    body: str,
    *,
    head: str = "",
    lang: str = "en",
    title: str = "Garden notes",
) -> str:
    """A page with navigation, an article (a heading, three paragraphs, `body`, two more
    paragraphs) and a footer, as news sites lay them out."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body>"
        '<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>'
        f"<main><article><h1>{title}</h1>{OPENING}{body}{CLOSING}</article></main>"
        "<footer><p>Copyright Example News. All rights reserved.</p></footer>"
        "</body></html>"
    )
