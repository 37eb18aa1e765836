"""The rules of a URL to save (reading.md, Saving a URL): what is accepted, what is refused
at once as a server-side request forgery, and the canonical form media are keyed by."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from nexus.errors import ErrorCode, NexusError
from nexus.ingest.addresses import is_fetchable_address
from nexus.ingest.hosts import canonical_host, literal_address

__all__ = [
    "FETCHABLE_PORTS",
    "MAX_URL_LENGTH",
    "canonical_form",
    "canonical_url_to_save",
    "fetch_refusal",
]

MAX_URL_LENGTH = 2048
FETCHABLE_PORTS = frozenset({80, 443})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid"}
    | {"_hsenc", "_hsmi"}
)
# Spaces and control characters are never part of a URL; a browser's copy has them escaped.
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
# Every printable ASCII character stays as written (existing %XX escapes included); only
# non-ASCII characters are percent-encoded as UTF-8, as browsers send them.
_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x21, 0x7F))


def canonical_url_to_save(url: str, *, allow_hosts: frozenset[tuple[str, int]]) -> str:
    """The canonical form of a URL a viewer saves, or NexusError: E_INVALID_URL when it is
    not an absolute http(s) URL with a host of at most 2048 characters, E_SSRF_BLOCKED when
    its host is a literal address the server must not fetch or its port is not 80 or 443,
    unless `allow_hosts` names that (host, port)."""
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL is longer than 2048 characters.")
    canonical = canonical_form(text)
    if len(canonical) > MAX_URL_LENGTH:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL is longer than 2048 characters.")
    refusal = fetch_refusal(canonical, allow_hosts=allow_hosts)
    if refusal is not None:
        raise NexusError(ErrorCode.E_SSRF_BLOCKED, refusal)
    return canonical


def canonical_form(url: str) -> str:
    """The form media are compared by: scheme and host lowercased, IDN hosts in punycode,
    numeric IPv4 hosts dotted, the default port, the fragment and tracking parameters
    dropped, an empty path as `/`, the other query parameters in their order and encoding.
    NexusError(E_INVALID_URL) when `url` is not an absolute http(s) URL with a host."""
    parts = _split(url)
    host = _host(parts)
    port = _port(parts)
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme.lower()]) else f"{host}:{port}"
    path = quote(parts.path, safe=_PRINTABLE_ASCII) or "/"
    query = "&".join(
        quote(pair, safe=_PRINTABLE_ASCII)
        for pair in parts.query.split("&")
        if pair and not _is_tracking(pair)
    )
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def fetch_refusal(url: str, *, allow_hosts: frozenset[tuple[str, int]]) -> str | None:
    """Why the server must not fetch a canonical URL, judging its port and a literal address
    host (names are judged when they are resolved, at connection time), or None."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition(":")[0] if parts.port else parts.netloc
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    if (host.strip("[]"), port) in allow_hosts:
        return None
    if port not in FETCHABLE_PORTS:
        return f"The server fetches pages only on ports 80 and 443, not {port}."
    address = literal_address(host)
    if (address is not None and not is_fetchable_address(address)) or _is_localhost(host):
        return f"The server may not fetch pages from {host}."
    return None


def _split(url: str) -> SplitResult:
    if _UNSAFE.search(url):
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL is not well formed.") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise NexusError(ErrorCode.E_INVALID_URL, "Only absolute http and https URLs are saved.")
    if not parts.netloc:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL has no host.")
    if "@" in parts.netloc:
        # Credentials would be stored and shown with the URL; `a@b` also hides the real host.
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL must not contain a user or password.")
    return parts


def _host(parts: SplitResult) -> str:
    netloc = parts.netloc
    raw = netloc[: netloc.find("]") + 1] if netloc.startswith("[") else netloc.partition(":")[0]
    try:
        return canonical_host(raw)
    except ValueError:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL's host is not valid.") from None


def _port(parts: SplitResult) -> int | None:
    netloc = parts.netloc
    after_host = netloc[netloc.find("]") + 1 :] if netloc.startswith("[") else netloc
    _, colon, digits = after_host.partition(":")
    if netloc.startswith("[") and after_host and not colon:
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL's host is not valid.")
    if not colon or not digits:
        return None
    # int() would also take "+80", " 80" or non-ASCII digits.
    if not (digits.isascii() and digits.isdigit() and 0 < int(digits) < 65536):
        raise NexusError(ErrorCode.E_INVALID_URL, "The URL's port is not valid.")
    return int(digits)


def _is_tracking(pair: str) -> bool:
    name = pair.partition("=")[0].lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMETERS


def _is_localhost(host: str) -> bool:
    # RFC 6761: these names are loopback wherever they are resolved.
    return host == "localhost" or host.endswith(".localhost")
