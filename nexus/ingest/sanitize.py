"""The allowlist every stored article's HTML goes through (reading.md, Extraction and
sanitizing): structure, text formatting, links, images and tables, and nothing that runs,
styles, embeds or submits. nh3 (ammonia) parses the HTML as a browser would, so
obfuscated `javascript:` URLs, stray attributes and unclosed tags are handled by a real
parser, not by patterns."""

from __future__ import annotations

import nh3

__all__ = ["ALLOWED_TAGS", "sanitize_html"]

ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"),
        *("ul", "ol", "li", "dl", "dt", "dd", "pre", "code"),
        *("em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "mark", "small"),
        *("kbd", "samp", "var", "abbr", "cite", "q", "a", "img", "figure", "figcaption"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    }
)
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start", "reversed"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
}
# Removed with everything inside them; other disallowed tags are unwrapped (their text
# stays, since it is article text the extractor kept).
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
    | {"form", "select", "textarea", "button", "input"}
)
_IMAGE_SCHEMES = ("http://", "https://")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images load only over http(s): `mailto:` is for links alone."""
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith(_IMAGE_SCHEMES):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_DROPPED_WITH_CONTENT),
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(fragment: str) -> str:
    """The fragment with only the allowlisted tags and attributes, URLs absolute http(s)
    (`mailto:` for links), and every link `rel="noopener noreferrer nofollow"`."""
    return _CLEANER.clean(fragment).strip()
