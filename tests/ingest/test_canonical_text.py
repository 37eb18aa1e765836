"""The canonical text's rules, one test each (canonical_text.py)."""

from __future__ import annotations

import unicodedata

from nexus.ingest.canonical_text import canonical_text, count_words


def test_decomposed_input_becomes_nfc() -> None:
    text = canonical_text("<p>Cafe\u0301 A\u030a</p>")
    assert text == "Café Å"
    assert unicodedata.is_normalized("NFC", text)
    assert len(text) == 6


def test_whitespace_runs_collapse_to_one_space_inside_a_block() -> None:
    assert canonical_text("<p>  one \t\n two\u00a0\u00a0 three\u2003four  </p>") == (
        "one two three four"
    )


def test_inline_elements_do_not_break_the_line() -> None:
    html = "<p>a <em>b</em><strong>c</strong> <a href='https://x.test/'>d</a> <code>e</code></p>"
    assert canonical_text(html) == "a bc d e"


def test_one_newline_between_blocks_and_no_blank_lines() -> None:
    html = (
        "<h2>Head</h2><p>First.</p>\n\n<p>   </p><div><p>Second.</p></div>"
        "<blockquote>Q</blockquote>"
    )
    assert canonical_text(html) == "Head\nFirst.\nSecond.\nQ"


def test_text_between_blocks_is_a_line_of_its_own() -> None:
    assert canonical_text("<div>before<p>inside</p>after</div>") == "before\ninside\nafter"


def test_br_ends_a_line_and_several_make_one_newline() -> None:
    assert canonical_text("<p>one<br>two<br><br><br>three<br></p>") == "one\ntwo\nthree"


def test_nested_lists_give_one_line_per_item() -> None:
    html = "<ol><li>first<ul><li>nested a</li><li>nested b</li></ul></li><li>second</li></ol>"
    assert canonical_text(html) == "first\nnested a\nnested b\nsecond"


def test_table_cells_are_lines_of_their_own() -> None:
    html = "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>41</td></tr></table>"
    assert canonical_text(html) == "Name\nAge\nAnn\n41"


def test_pre_keeps_line_breaks_and_collapses_spaces_within_lines() -> None:
    html = "<pre><code>def f(x):\n    return  x\n\n\nprint(f(1))\n</code></pre>"
    assert canonical_text(html) == "def f(x):\nreturn x\nprint(f(1))"


def test_figure_caption_is_its_own_line_and_images_give_no_text() -> None:
    html = (
        '<p>Before</p><figure><img src="https://x.test/a.png" alt="alt text">'
        "<figcaption>The caption.</figcaption></figure>"
    )
    assert canonical_text(html) == "Before\nThe caption."


def test_hidden_script_and_comment_content_gives_nothing_but_tails_stay() -> None:
    html = (
        "<p>a<script>var x = 1;</script> b<style>p{}</style> c<!-- note --> d"
        "<span hidden>secret</span> e<template>t</template> f</p>"
    )
    assert canonical_text(html) == "a b c d e f"


def test_no_leading_or_trailing_whitespace() -> None:
    assert canonical_text("\n <p> \u00a0text\u00a0 </p> \n") == "text"


def test_empty_html_gives_empty_text() -> None:
    assert canonical_text("") == ""
    assert canonical_text("<p> </p><img src='https://x.test/a.png'>") == ""


def test_same_html_always_gives_the_same_text() -> None:
    html = "<h1>T</h1><p>x\u0301 <em>y</em></p><ul><li>z</li></ul><pre>a\n b</pre>"
    assert len({canonical_text(html) for _ in range(20)}) == 1


def test_words_are_runs_of_word_characters() -> None:
    assert count_words("Don't stop — 3.5 times, naïve_user!\n日本語") == 8
    assert count_words("") == 0
