"""reading.md, Saving a URL: what a saved URL may be, what is refused at once as a server-side
request forgery, and the canonical form media are keyed by."""

from __future__ import annotations

import pytest

from nexus.errors import ErrorCode, NexusError
from nexus.ingest.urls import canonical_form, canonical_url_to_save

NOTHING_ALLOWED: frozenset[tuple[str, int]] = frozenset()


def refusal_code(url: str, allow_hosts: frozenset[tuple[str, int]] = NOTHING_ALLOWED) -> ErrorCode:
    with pytest.raises(NexusError) as raised:
        canonical_url_to_save(url, allow_hosts=allow_hosts)
    return raised.value.code


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?a=1", "https://example.com/?a=1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:/a", "http://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?#", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://faß.de/", "https://xn--fa-hia.de/"),
        ("https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/"),
        ("https://de.wikipedia.org/wiki/Köln", "https://de.wikipedia.org/wiki/K%C3%B6ln"),
        ("https://de.wikipedia.org/wiki/K%C3%B6ln", "https://de.wikipedia.org/wiki/K%C3%B6ln"),
        ("https://example.com/%7Euser/a%2Fb", "https://example.com/%7Euser/a%2Fb"),
        ("http://[2606:4700:0:0:0:0:0:1111]:8443/", "http://[2606:4700::1111]:8443/"),
        ("http://134744072/", "http://8.8.8.8/"),
        ("http://0x8.0x8.0x8.0x8/", "http://8.8.8.8/"),
        ("http://010.010.010.010/", "http://8.8.8.8/"),
        ("http://8.526344/", "http://8.8.8.8/"),
    ],
)
def test_canonical_form(url: str, canonical: str) -> None:
    assert canonical_form(url) == canonical
    assert canonical_form(canonical) == canonical


def test_tracking_parameters_are_removed_and_the_others_kept_in_order_and_encoding() -> None:
    url = (
        "https://example.com/a?utm_source=news&z=1&fbclid=x&gclid=1&a=%2F+b&dclid=1&msclkid=1"
        "&mc_cid=1&mc_eid=1&igshid=1&yclid=1&_hsenc=1&_hsmi=1&UTM_Medium=e&utm_campaign"
        "&m=caf%C3%A9&q=&q=2&utmost=kept"
    )
    assert canonical_form(url) == "https://example.com/a?z=1&a=%2F+b&m=caf%C3%A9&q=&q=2&utmost=kept"


def test_a_query_of_only_tracking_parameters_leaves_no_question_mark() -> None:
    assert canonical_form("https://example.com/?utm_source=a&fbclid=b") == "https://example.com/"


def test_a_public_url_is_saved_in_canonical_form() -> None:
    saved = canonical_url_to_save(
        "  https://Example.com/story?utm_medium=x#top \n", allow_hosts=NOTHING_ALLOWED
    )
    assert saved == "https://example.com/story"


def test_a_url_of_2048_characters_is_accepted_and_2049_is_not() -> None:
    base = "https://example.com/"
    assert canonical_url_to_save(base + "a" * (2048 - len(base)), allow_hosts=NOTHING_ALLOWED)
    assert refusal_code(base + "a" * (2049 - len(base))) is ErrorCode.E_INVALID_URL


def test_a_url_whose_canonical_form_passes_2048_characters_is_refused() -> None:
    # Each "é" becomes "%C3%A9": 1,100 characters given, 6,600 once encoded.
    assert refusal_code("https://example.com/" + "é" * 1100) is ErrorCode.E_INVALID_URL


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/article",
        "/relative/path",
        "//example.com/no-scheme",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,hi",
        "http://",
        "http:///path-only",
        "https://user:secret@example.com/",
        "https://example.com@127.0.0.1/",
        "https://exa mple.com/",
        "https://example.com/a b",
        "https://example.com/a\tb",
        "https://ex%61mple.com/",
        "https://example..com/",
        "https://-example.com/",
        "https://example.com:99999/",
        "https://example.com:+80/",
        "https://example.com:0/",
        "https://example.com:8o/",
        "http://[::1/",
        "http://[::1]junk/",
        "http://[127.0.0.1]/",
        "http://[fe80::1%25eth0]/",
        "http://1.2.3.4.5/",
        "http://256.1.1.1/",
        "http://0x100000000/",
        "http://09.1.1.1/",
    ],
)
def test_what_is_not_an_absolute_http_url_with_a_host_is_invalid(url: str) -> None:
    assert refusal_code(url) is ErrorCode.E_INVALID_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[fd00::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0x7F000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://017700000001/",
        # Fullwidth digits and ideographic full stops: UTS 46 maps them to 127.0.0.1.
        "http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://admin.localhost/",
    ],
)
def test_a_literal_address_the_server_must_not_fetch_is_blocked_at_once(url: str) -> None:
    assert refusal_code(url) is ErrorCode.E_SSRF_BLOCKED


@pytest.mark.parametrize(
    "url", ["http://example.com:8080/", "https://example.com:22/", "http://8.8.8.8:25/"]
)
def test_a_port_other_than_80_or_443_is_blocked_at_once(url: str) -> None:
    assert refusal_code(url) is ErrorCode.E_SSRF_BLOCKED


def test_allow_hosts_lets_that_host_and_port_through_and_only_that_port() -> None:
    allowed = frozenset({("127.0.0.1", 8123), ("::1", 8123), ("localhost", 8123)})
    for url in ("http://127.0.0.1:8123/a", "http://[::1]:8123/a", "http://LocalHost:8123/a"):
        assert canonical_url_to_save(url, allow_hosts=allowed) == canonical_form(url)
    assert refusal_code("http://127.0.0.1:8124/", allowed) is ErrorCode.E_SSRF_BLOCKED
    assert refusal_code("http://127.0.0.1/", allowed) is ErrorCode.E_SSRF_BLOCKED
    assert refusal_code("http://127.0.0.2:8123/", allowed) is ErrorCode.E_SSRF_BLOCKED


def test_allow_hosts_names_a_numeric_host_by_its_dotted_form() -> None:
    allowed = frozenset({("127.0.0.1", 8123)})
    assert canonical_url_to_save("http://0x7f.1:8123/", allow_hosts=allowed) == (
        "http://127.0.0.1:8123/"
    )


def test_refusals_say_why_without_internals() -> None:
    with pytest.raises(NexusError) as raised:
        canonical_url_to_save("ftp://example.com/", allow_hosts=NOTHING_ALLOWED)
    assert raised.value.message == "Only absolute http and https URLs are saved."
    with pytest.raises(NexusError) as raised:
        canonical_url_to_save("http://example.com:8080/", allow_hosts=NOTHING_ALLOWED)
    assert raised.value.message == "The server fetches pages only on ports 80 and 443, not 8080."
