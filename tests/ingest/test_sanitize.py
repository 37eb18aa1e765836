"""The allowlist of stored HTML: hostile input leaves nothing that runs (sanitize.py)."""

from __future__ import annotations

import re

import pytest
from lxml import html

from nexus.ingest.sanitize import ALLOWED_TAGS, sanitize_html

HOSTILE = [
    '<script>alert("x")</script>',
    '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>',
    '<img src="https://example.com/a.png" onerror="alert(1)">',
    '<p onclick="alert(1)" onmouseover="alert(2)">text</p>',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href=" javascript:alert(1)">link</a>',
    '<a href="java&#x09;script:alert(1)">link</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">link</a>',
    '<a href="jav&#x0A;ascript:alert(1)">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<iframe src="https://evil.example/"></iframe>',
    '<svg><script>alert(1)</script><circle r="1" onload="alert(2)"/></svg>',
    '<svg onload="alert(1)"><a xlink:href="javascript:alert(2)">x</a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
    '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    '<p class="x" id="y" data-x="z">attrs</p>',
    "<!-- <script>alert(1)</script> -->",
    '<noscript><img src="https://evil.example/x.png"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<a href="/relative/path">relative</a>',
    '<img src="//evil.example/protocol-relative.png">',
    '<img src="ftp://example.com/a.png">',
    '<img src="mailto:someone@example.com">',
    "<div><img src=x onerror=alert(1)//</div>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
]
_FORBIDDEN_TAGS = re.compile(
    r"<\s*/?\s*(script|style|iframe|form|input|button|svg|math|object|embed|meta|link|base|"
    r"noscript|template)\b",
    re.I,
)


def _urls(fragment: str) -> list[str]:
    root = html.fragment_fromstring(fragment or "<div></div>", create_parent="div")
    return [value for _, attribute, value, _ in root.iterlinks() if attribute in ("href", "src")]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_nothing_hostile_survives(hostile: str) -> None:
    cleaned = sanitize_html(f"<div>{hostile}</div>")
    assert not _FORBIDDEN_TAGS.search(cleaned)
    root = html.fragment_fromstring(cleaned or "<div></div>", create_parent="div")
    for elem in root.iter():
        assert elem.tag in {*ALLOWED_TAGS, "div"}
        for name in elem.attrib:
            assert not name.startswith("on")
            assert name not in {"style", "class", "id", "srcdoc", "formaction", "xlink:href"}
    for url in _urls(cleaned):
        assert url.startswith(("https://", "http://", "mailto:")), url
    assert "alert(" not in re.sub(r">[^<]*<", "><", f">{cleaned}<")


def test_data_and_non_http_images_lose_their_source() -> None:
    for src in ("data:image/png;base64,iVBORw0KGgo=", "ftp://example.com/a.png", "mailto:a@b.c"):
        assert "src=" not in sanitize_html(f'<img src="{src}" alt="a">')


def test_links_get_rel_noopener_noreferrer_nofollow() -> None:
    cleaned = sanitize_html('<a href="https://example.com/" rel="opener" target="_blank">x</a>')
    assert cleaned == '<a href="https://example.com/" rel="noopener noreferrer nofollow">x</a>'


def test_mailto_links_are_kept() -> None:
    assert 'href="mailto:editor@example.com"' in sanitize_html(
        '<a href="mailto:editor@example.com">write</a>'
    )


def test_article_structure_is_kept() -> None:
    article = (
        "<h2>Title</h2><p>Text <em>em</em> <strong>strong</strong> <code>code</code>"
        "<sub>2</sub><sup>3</sup><br>next</p>"
        '<ol start="3"><li>one</li></ol><ul><li>two</li></ul><dl><dt>t</dt><dd>d</dd></dl>'
        "<blockquote><p>quote</p></blockquote><pre><code>x = 1</code></pre>"
        '<figure><img src="https://example.com/a.png" alt="alt"><figcaption>cap</figcaption>'
        "</figure>"
        '<table><tbody><tr><th colspan="2">h</th></tr><tr><td>a</td><td>b</td></tr></tbody>'
        "</table>"
    )
    assert sanitize_html(article) == article


def test_text_of_unwrapped_tags_stays() -> None:
    assert sanitize_html('<p><span class="x">kept</span> <font color="red">too</font></p>') == (
        "<p>kept too</p>"
    )


def test_script_and_style_content_is_dropped_not_unwrapped() -> None:
    assert sanitize_html("<p>a<script>var s = 1;</script><style>p{}</style>b</p>") == "<p>ab</p>"
