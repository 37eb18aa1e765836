"""The sample articles `nexus seed` loads: a few web articles, a paragraph per fragment.

The HTML is written as an ingestion pipeline would receive it (one paragraph carries an
inline event handler and another a script, as pages on the web do); `seed` stores only
what `nh3` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SAMPLE_ARTICLES", "SampleArticle"]


@dataclass(frozen=True, slots=True)
class SampleArticle:
    title: str
    url: str
    paragraphs: tuple[str, ...]  # raw HTML, one fragment each


SAMPLE_ARTICLES: tuple[SampleArticle, ...] = (
    SampleArticle(
        title="The Slow Return of the Commonplace Book",
        url="https://essays.example.org/2024/03/the-slow-return-of-the-commonplace-book",
        paragraphs=(
            "<p>For about three centuries, educated readers kept a <em>commonplace book</em>: "
            "a notebook of passages copied out by hand, sorted under headings such as "
            "<strong>Friendship</strong>, <strong>Money</strong> or <strong>Death</strong>.</p>",
            "<p>Copying was the point. Writing a sentence out slowly forces you to decide "
            "whether it deserves the ink, and the heading you file it under is a small act of "
            "interpretation.</p>",
            "<p>John Locke published a method for indexing such books in 1706, with a grid of "
            "initial letters and vowels that let a reader find any heading in two glances. "
            '<a href="https://en.wikipedia.org/wiki/Commonplace_book">The practice</a> '
            "faded with cheap printing, when owning a book began to feel like knowing it.</p>",
            '<p onclick="track()">Digital highlights brought the habit back in a thinner form. '
            "We save more than ever and reread almost nothing; the missing step is the heading, "
            "the moment of saying what a passage is <em>for</em>.</p>",
            "<p>A reading app can help by keeping highlights next to their source and by making "
            "the question cheap to answer: where did I read that, and what did I think of it "
            "then?</p>",
        ),
    ),
    SampleArticle(
        title="Why Fast Pages Feel Calm",
        url="https://blog.example.net/posts/why-fast-pages-feel-calm",
        paragraphs=(
            "<p>Users rarely say a page is fast. They say it feels <em>calm</em>: nothing jumps, "
            "nothing spins, and the text is simply there when the eye arrives.</p>",
            "<p>Most of that feeling comes from three budgets: the first paint under one second, "
            "no layout shift after the text appears, and input that answers within a frame or "
            "two.</p>",
            "<p>The cheapest win is usually the server. A response that needs one query instead "
            "of forty is not only faster on average; its slowest requests are far less slow, "
            "and the slow tail is what people remember.</p>",
            "<script>alert('injected')</script><p>Measure before tuning. A profile of one real "
            "request beats an afternoon of guessing, and a benchmark run twice on a noisy "
            "machine tells you how much of the difference is weather.</p>",
        ),
    ),
    SampleArticle(
        title="A Field Guide to Reading Research Papers",
        url="https://notes.example.com/field-guide-to-reading-papers",
        paragraphs=(
            "<p>Nobody reads a paper from the first word to the last on the first pass. "
            "Researchers skim in three rounds, and each round decides whether the next one "
            "happens.</p>",
            "<p><strong>Round one</strong> takes five minutes: title, abstract, figures and the "
            "conclusion. Can you say in one sentence what the authors claim?</p>",
            "<p><strong>Round two</strong> reads the body but skips the proofs. Mark every "
            "term you could not define and every reference you would have to look up.</p>",
            "<p><strong>Round three</strong> rebuilds the work: re-derive the key step, or "
            "sketch how you would run the experiment. This is where you find the assumption the "
            "paper leans on without saying so.</p>",
            "<p>Keep a short note per paper with the claim, the evidence and your doubt. In a "
            "year those notes are worth more than the PDFs.</p>",
        ),
    ),
    SampleArticle(
        title="Sourdough, Patience and the Arithmetic of Starters",
        url="https://kitchen.example.org/sourdough-arithmetic",
        paragraphs=(
            "<p>A sourdough starter is a small, hungry ecosystem of wild yeast and lactic acid "
            "bacteria. Feeding it is arithmetic: discard most of it, then add flour and water "
            "by weight.</p>",
            "<p>At a ratio of <code>1:5:5</code> (starter, flour, water) a healthy starter "
            "doubles in four to six hours at room temperature; in a cold kitchen it may take "
            "twice as long, and that is fine.</p>",
            "<p>The signs of readiness are visual: a domed top, bubbles through the whole jar, "
            "and a smell closer to yogurt than to nail polish.</p>",
        ),
    ),
)
