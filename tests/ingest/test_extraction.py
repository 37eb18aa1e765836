"""What the extraction keeps of an article's structure, and what it corrects in
trafilatura 2.3.1's output (extraction.py, trafilatura_html.py, figures.py, source_tree.py).
Each page goes through the whole pipeline, so what is checked is what would be stored."""

from __future__ import annotations

from lxml import etree, html

from nexus.ingest.extraction import place_images
from nexus.ingest.pipeline import build_article
from nexus.ingest.trafilatura_html import to_html_element
from tests.ingest.pages import PAGE_URL, article_page


def _stored(body: str, **page: str) -> html.HtmlElement:
    article = build_article(article_page(body, **page).encode(), url=PAGE_URL)
    return html.fragment_fromstring(article.html_sanitized, create_parent="div")


def _text(body: str) -> str:
    return _text_of(article_page(body))


def _text_of(page: str) -> str:
    return build_article(page.encode(), url=PAGE_URL).canonical_text


def test_ordered_list_stays_ordered_and_nested_list_stays_nested() -> None:
    stored = _stored(
        "<h2>How to plant peas</h2><ol><li>Soak the seeds overnight.</li>"
        "<li>Sow them two inches deep.<ul><li>In rows.</li><li>Or in pairs.</li></ul></li>"
        "<li>Water them well.</li></ol>"
    )
    (ordered,) = stored.findall(".//ol")
    assert [li.text for li in ordered.findall("li")] == [
        "Soak the seeds overnight.",
        "Sow them two inches deep.",
        "Water them well.",
    ]
    assert [li.text for li in ordered.findall("li/ul/li")] == ["In rows.", "Or in pairs."]


def test_unordered_list_stays_unordered() -> None:
    stored = _stored("<ul><li>Lettuce in the north beds</li><li>Peas along the fence</li></ul>")
    assert [li.text for li in stored.findall(".//ul/li")] == [
        "Lettuce in the north beds",
        "Peas along the fence",
    ]
    assert stored.find(".//ol") is None


def test_definition_list_keeps_terms_and_definitions() -> None:
    stored = _stored(
        "<dl><dt>Compost</dt><dd>Decayed plant matter.</dd><dt>Mulch</dt>"
        "<dd>A layer over the soil.</dd></dl>"
    )
    assert [(e.tag, e.text) for e in stored.find(".//dl")] == [
        ("dt", "Compost"),
        ("dd", "Decayed plant matter."),
        ("dt", "Mulch"),
        ("dd", "A layer over the soil."),
    ]


def test_code_block_is_one_pre_with_its_indentation() -> None:
    stored = _stored(
        '<pre class="language-python"><code>def water(bed):\n'
        "    return bed.litres + 2\n</code></pre>"
    )
    (pre,) = stored.findall(".//pre")
    assert pre.find(".//pre") is None
    assert [child.tag for child in pre] == ["code"]
    assert pre[0].text == "def water(bed):\n    return bed.litres + 2\n"


def test_preformatted_text_without_code_stays_preformatted_not_a_quote() -> None:
    stored = _stored("<pre>Monday    peas\nTuesday   radishes</pre>")
    (pre,) = stored.findall(".//pre")
    assert pre.text_content() == "Monday    peas\nTuesday   radishes"
    assert stored.find(".//blockquote") is None


def test_inline_code_stays_inline() -> None:
    stored = _stored(
        "<p>Set the timer with <code>timer --minutes 20</code> before you leave "
        "the greenhouse in the evening.</p>"
    )
    (code,) = stored.findall(".//p/code")
    assert code.text == "timer --minutes 20"
    assert stored.find(".//pre") is None


def test_figure_keeps_its_image_and_caption() -> None:
    stored = _stored(
        '<figure><img src="/images/pond.jpg" alt="The pond">'
        "<figcaption>The pond, <em>refilled</em> in March.</figcaption></figure>"
    )
    (figure,) = stored.findall(".//figure")
    assert figure[0].tag == "img"
    assert figure[0].get("src") == "https://news.example.org/images/pond.jpg"
    assert figure.findtext("figcaption") == "The pond, refilled in March."


def test_lazy_image_caption_follows_its_data_src() -> None:
    stored = _stored(
        '<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        'data-src="../img/tanks.png"><figcaption>The new tanks.</figcaption></figure>'
    )
    (figure,) = stored.findall(".//figure")
    assert figure[0].get("src") == "https://news.example.org/2024/img/tanks.png"
    assert figure.findtext("figcaption") == "The new tanks."


def test_caption_is_part_of_the_text_once() -> None:
    text = _text(
        '<figure><img src="https://cdn.example.org/a.jpg"><figcaption>Seedlings in '
        "trays.</figcaption></figure>"
    )
    assert text.count("Seedlings in trays.") == 1


def test_links_and_images_are_absolute() -> None:
    stored = _stored(
        '<p>Read <a href="../notes/winter.html">the winter notes</a> and '
        '<a href="//cdn.example.org/plan.pdf">the plan</a> before you dig.</p>'
        '<p><img src="beds.jpg" alt="Beds"></p>'
    )
    hrefs = [a.get("href") for a in stored.iter("a")]
    assert hrefs == [
        "https://news.example.org/2024/notes/winter.html",
        "https://cdn.example.org/plan.pdf",
    ]
    assert [img.get("src") for img in stored.iter("img")] == [
        "https://news.example.org/2024/03/beds.jpg"
    ]


def test_headings_quotes_and_tables_are_kept() -> None:
    stored = _stored(
        "<h2>Who grows what</h2><blockquote><p>We share everything we grow.</p></blockquote>"
        "<table><tr><th>Bed</th><th>Crop</th></tr><tr><td>North</td><td>Peas</td></tr></table>"
    )
    assert stored.findtext(".//h2") == "Who grows what"
    assert stored.findtext(".//blockquote/p") == "We share everything we grow."
    assert [c.text for c in stored.iter("th", "td")] == ["Bed", "Crop", "North", "Peas"]


def test_hidden_elements_are_not_extracted() -> None:
    text = _text(
        "<p hidden>Secret draft paragraph that nobody should ever be able to read.</p>"
        '<p style="color: red; display: none">An invisible paragraph of text here.</p>'
    )
    assert "Secret" not in text
    assert "invisible" not in text


def test_text_after_a_comment_is_kept() -> None:
    text = _text("<p>The gate opens at<!-- --> nine o'clock every morning of the week.</p>")
    assert "The gate opens at nine o'clock every morning of the week." in text


def test_image_gallery_beside_the_article_is_not_kept() -> None:
    gallery = (
        '<ul class="gallery">'
        + "".join(
            f'<li><img src="/g/{i}.jpg"><div class="caption">Photo {i} of the gallery</div></li>'
            for i in range(4)
        )
        + "</ul>"
    )
    stored = _stored(f'{gallery}<p><img src="/images/lead.jpg" alt="Lead"></p>')
    sources = [img.get("src") for img in stored.iter("img")]
    assert "https://news.example.org/images/lead.jpg" in sources
    assert not any("/g/" in src for src in sources)


def test_links_resolve_against_the_base_element() -> None:
    stored = _stored(
        '<p>The rota is in <a href="rota.html">the volunteers\' rota</a>, which the committee '
        "updates every Sunday evening after the last watering round.</p>",
        head='<base href="https://static.example.net/garden/">',
    )
    assert [a.get("href") for a in stored.iter("a")] == [
        "https://static.example.net/garden/rota.html"
    ]


def test_readability_takes_over_when_trafilatura_finds_nothing() -> None:
    # trafilatura discards <aside> outright; readability-lxml still reads it.
    text = (
        "The greenhouse was rebuilt over the winter with panes salvaged from the old "
        "station roof, and it now holds the seedlings of every plot holder in the garden. "
    ) * 3
    page = f"<html><head><title>T</title></head><body><aside><p>{text}</p></aside></body></html>"
    article = build_article(page.encode(), url=PAGE_URL)
    assert article.canonical_text == text.strip()
    stored = html.fragment_fromstring(article.html_sanitized, create_parent="div")
    assert [p.text_content().strip() for p in stored.iter("p")] == [text.strip()]
    assert not any(elem.attrib for elem in stored.iter())


def test_ordered_list_keeps_where_it_starts_and_which_way_it_counts() -> None:
    stored = _stored(
        '<ol start="4"><li>Turn the compost heap.</li><li>Cover it again.</li></ol>'
        "<ol reversed><li>Three beds left to dig.</li><li>Two beds left to dig.</li></ol>"
        '<ol start="x"><li>Not a number, so counted from one.</li></ol>'
    )
    assert [dict(ol.attrib) for ol in stored.iter("ol")] == [
        {"start": "4"},
        {"reversed": "reversed"},
        {},
    ]


def test_link_without_a_target_is_its_text() -> None:
    stored = _stored(
        "<p>The seed swap is <a>on the first Saturday</a> of every month, in the shed by "
        "the gate, and everyone is welcome to bring their spare seeds along.</p>"
    )
    assert stored.find(".//a") is None
    assert "The seed swap is on the first Saturday of every month" in stored.text_content()


def test_figure_found_by_readability_gets_its_caption_back() -> None:
    text = (
        "The greenhouse was rebuilt over the winter with panes salvaged from the old "
        "station roof, and it now holds the seedlings of every plot holder in the garden. "
    ) * 3
    page = (
        f"<html><head><title>T</title></head><body><aside><p>{text}</p><figure>"
        '<img src="https://cdn.example.org/greenhouse.jpg"><figcaption>The greenhouse.'
        f"</figcaption></figure><p>{text}</p></aside></body></html>"
    )
    stored = html.fragment_fromstring(
        build_article(page.encode(), url=PAGE_URL).html_sanitized, create_parent="div"
    )
    (figure,) = stored.iter("figure")
    assert [child.tag for child in figure] == ["img", "figcaption"]
    assert figure.findtext("figcaption") == "The greenhouse."


def test_text_beside_a_kept_image_that_was_not_chosen_is_dropped() -> None:
    print_header = (
        '<div class="print-header"><img src="/img/print-logo.png" alt="print logo">'
        f"<span>{PAGE_URL}</span></div>"
    )
    page = article_page("").replace("<article>", f"<article>{print_header}")
    article = build_article(page.encode(), url=PAGE_URL)
    assert PAGE_URL not in article.canonical_text
    assert article.canonical_text.startswith("Garden notes\nThe community garden")


def test_empty_paragraphs_trafilatura_leaves_are_dropped() -> None:
    extracted = etree.fromstring("<body><p>One.</p><p/>tail<p> </p><p>Two.</p></body>")
    converted = to_html_element(extracted)
    assert etree.tostring(converted, encoding="unicode") == "<div><p>One.</p>tail<p>Two.</p></div>"


def test_body_hidden_until_scripts_run_is_still_read() -> None:
    page = article_page("").replace("<body>", '<body style="display: none">')
    assert _text_of(page).startswith("Garden notes\nThe community garden")


def _run(xml: str) -> etree._Element:
    return etree.fromstring(f"<body>{xml}</body>")


def test_image_run_keeps_chosen_text_and_its_images() -> None:
    text_only = _run("<head>Title</head><p>First paragraph.</p><p>Second paragraph.</p>")
    with_images = _run(
        '<head>Title</head><graphic src="https://x.test/lead.jpg"/><p>First paragraph.</p>'
        '<list rend="ul"><item><graphic src="https://x.test/g1.jpg"/>Gallery caption</item>'
        "</list><p>Credit: Agency</p><p>Second paragraph.</p>"
    )
    placed = place_images(text_only, with_images)
    assert etree.tostring(placed, encoding="unicode") == (
        '<body><head>Title</head><graphic src="https://x.test/lead.jpg"/>'
        "<p>First paragraph.</p><p>Second paragraph.</p></body>"
    )


def test_image_run_that_lost_chosen_text_gives_way_to_the_text() -> None:
    text_only = _run("<p>First paragraph, a long one.</p><p>Second paragraph, also long.</p>")
    with_images = _run('<graphic src="https://x.test/a.jpg"/><p>First paragraph, a long one.</p>')
    assert place_images(text_only, with_images) is text_only
