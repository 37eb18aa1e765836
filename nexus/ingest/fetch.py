"""Fetching a saved page (reading.md, Fetching): redirects followed by hand and every hop
checked again, limits on time and size, HTML only, failures as IngestError for people."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import urljoin

import httpcore
import httpx

from nexus.config import Settings
from nexus.errors import ErrorCode, NexusError
from nexus.ingest.bounded_body import ACCEPT_ENCODING, content_too_large, read_bounded_body
from nexus.ingest.errors import IngestError
from nexus.ingest.guarded_transport import GuardedTransport, Resolver, resolve_with_system
from nexus.ingest.urls import canonical_form, fetch_refusal

__all__ = ["USER_AGENT", "FetchLimits", "FetchedPage", "fetch_page"]

USER_AGENT = f"NexusBot/{version('nexus-api')} (+https://nexus.example/bot)"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9",
    "Accept-Encoding": ACCEPT_ENCODING,
}


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long a fetch may take and how much it may bring back."""

    connect_timeout_seconds: float
    fetch_timeout_seconds: float
    max_bytes: int
    max_redirects: int

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        return cls(
            connect_timeout_seconds=settings.nexus_ingest_connect_timeout_seconds,
            fetch_timeout_seconds=settings.nexus_ingest_fetch_timeout_seconds,
            max_bytes=settings.nexus_ingest_max_bytes,
            max_redirects=settings.nexus_ingest_max_redirects,
        )


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """An HTML page as it came: `final_url` is the canonical form of the URL that answered
    (after redirects), `content_type` the header as sent (its charset for the decoder),
    `body` the bytes with any gzip/deflate coding removed."""

    final_url: str
    status_code: int
    content_type: str | None
    body: bytes


async def fetch_page(
    url: str,
    *,
    limits: FetchLimits,
    allow_hosts: frozenset[tuple[str, int]],
    resolver: Resolver | None = None,
) -> FetchedPage:
    """GET an HTML page, following at most `limits.max_redirects` redirects, each hop held
    to the rules of a saved URL and every connection to the address guard; IngestError
    otherwise: E_SSRF_BLOCKED, E_INGEST_TIMEOUT, E_UNSUPPORTED_CONTENT, E_CONTENT_TOO_LARGE,
    E_INGEST_FAILED (transient for DNS, connection failures, 429 and 5xx)."""
    try:
        async with asyncio.timeout(limits.fetch_timeout_seconds):
            return await _follow(url, limits, allow_hosts, resolver or resolve_with_system)
    except (TimeoutError, httpcore.TimeoutException):
        raise IngestError(
            ErrorCode.E_INGEST_TIMEOUT, "The site did not send the page in time.", transient=True
        ) from None
    except httpcore.ConnectError as exc:
        # httpcore passes the ssl error as the argument (its pool clears __cause__).
        if any(isinstance(reason, ssl.SSLCertVerificationError) for reason in exc.args):
            raise IngestError(
                ErrorCode.E_INGEST_FAILED, "The site's certificate could not be verified."
            ) from None
        raise IngestError(
            ErrorCode.E_INGEST_FAILED, "The site could not be reached.", transient=True
        ) from None
    except (httpcore.NetworkError, httpcore.RemoteProtocolError):
        raise IngestError(
            ErrorCode.E_INGEST_FAILED, "The connection to the site broke off.", transient=True
        ) from None
    except httpcore.ProtocolError:
        raise IngestError(ErrorCode.E_INGEST_FAILED, "The site's answer was not HTTP.") from None


async def _follow(
    url: str, limits: FetchLimits, allow_hosts: frozenset[tuple[str, int]], resolver: Resolver
) -> FetchedPage:
    target = _checked(url, allow_hosts, redirect=False)
    transport = GuardedTransport(allow_hosts=allow_hosts, resolver=resolver)
    timeout = httpx.Timeout(limits.fetch_timeout_seconds, connect=limits.connect_timeout_seconds)
    # A client per fetch: its cookie jar serves this fetch's redirects, then is gone.
    async with httpx.AsyncClient(
        transport=transport, headers=_HEADERS, timeout=timeout, trust_env=False
    ) as client:
        for _ in range(limits.max_redirects + 1):
            async with client.stream("GET", target) as response:
                if response.status_code not in _REDIRECT_STATUSES:
                    return await _page(response, target, limits)
                location = response.headers.get("location")
            if not location:
                raise IngestError(ErrorCode.E_INGEST_FAILED, "The site redirected nowhere.")
            target = _checked(urljoin(target, location), allow_hosts, redirect=True)
    raise IngestError(
        ErrorCode.E_INGEST_FAILED, f"The site redirected more than {limits.max_redirects} times."
    )


def _checked(url: str, allow_hosts: frozenset[tuple[str, int]], *, redirect: bool) -> str:
    """The canonical form of a URL to request, held to the rules of a saved URL. A refused
    redirect target is not quoted back: it may name an address inside the network."""
    try:
        canonical = canonical_form(url)
    except NexusError as exc:
        if not redirect:
            raise IngestError(ErrorCode.E_INGEST_FAILED, exc.message) from None
        raise IngestError(
            ErrorCode.E_INGEST_FAILED,
            "The site redirected to an address that is not an http(s) URL.",
        ) from None
    refusal = fetch_refusal(canonical, allow_hosts=allow_hosts)
    if refusal is not None:
        if redirect:
            refusal = "The site redirected to an address the server may not fetch."
        raise IngestError(ErrorCode.E_SSRF_BLOCKED, refusal)
    return canonical


async def _page(response: httpx.Response, url: str, limits: FetchLimits) -> FetchedPage:
    status = response.status_code
    if status >= 400:
        transient = status == 429 or status >= 500
        raise IngestError(
            ErrorCode.E_INGEST_FAILED, f"The site answered HTTP {status}.", transient=transient
        )
    if not 200 <= status < 300:
        raise IngestError(
            ErrorCode.E_INGEST_FAILED, f"The site answered HTTP {status}, not a page."
        )
    content_type = response.headers.get("content-type")
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type not in _HTML_TYPES:
        # No Content-Type is refused too: guessing would read whatever a server sends.
        what = f"{media_type[:60]}, not HTML" if media_type else "of no declared type"
        raise IngestError(ErrorCode.E_UNSUPPORTED_CONTENT, f"The page is {what}.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise content_too_large(limits.max_bytes)
    body = await read_bounded_body(
        response.aiter_raw(),
        content_encoding=response.headers.get("content-encoding"),
        max_bytes=limits.max_bytes,
    )
    return FetchedPage(final_url=url, status_code=status, content_type=content_type, body=body)
