"""reading.md, Fetching: what comes back for a page, the failures and their transient flag,
the User-Agent, proxies and cookies. Pages are served on loopback by the test itself."""

from __future__ import annotations

import asyncio
import socket
import time
from importlib.metadata import version
from ipaddress import IPv4Address

import pytest

from nexus.config import Settings
from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import FetchLimits, fetch_page
from tests.ingest.pages_server import PagesServer, Reply, connections_attempted

LIMITS = FetchLimits(
    connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=64 * 1024, max_redirects=5
)


async def fetch_error(server: PagesServer, path: str, limits: FetchLimits = LIMITS) -> IngestError:
    with pytest.raises(IngestError) as raised:
        await fetch_page(server.url(path), limits=limits, allow_hosts=server.allow_hosts)
    return raised.value


def test_limits_come_from_the_settings() -> None:
    settings = Settings(
        nexus_ingest_connect_timeout_seconds=3,
        nexus_ingest_fetch_timeout_seconds=7,
        nexus_ingest_max_bytes=2048,
        nexus_ingest_max_redirects=2,
    )
    assert FetchLimits.from_settings(settings) == FetchLimits(
        connect_timeout_seconds=3, fetch_timeout_seconds=7, max_bytes=2048, max_redirects=2
    )


async def test_a_page_comes_back_as_bytes_with_its_content_type() -> None:
    body = "<html><meta charset=windows-1251><p>Привет, мир</p></html>".encode("windows-1251")
    async with PagesServer() as server:
        server.pages["/ru"] = Reply(
            headers=[("Content-Type", "text/html; charset=windows-1251")], body=body
        )
        page = await fetch_page(
            server.url("/ru?utm_source=feed&id=7#top"),
            limits=LIMITS,
            allow_hosts=server.allow_hosts,
        )
    assert page.body == body
    assert page.content_type == "text/html; charset=windows-1251"
    assert page.status_code == 200
    assert page.final_url == server.url("/ru?id=7")
    assert server.requests[0].target == "/ru?id=7"


@pytest.mark.parametrize("content_type", ["application/xhtml+xml", "TEXT/HTML ; charset=UTF-8"])
async def test_xhtml_and_html_in_any_case_are_accepted(content_type: str) -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply(headers=[("Content-Type", content_type)])
        page = await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert page.content_type == content_type


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([("Content-Type", "application/pdf")], "The page is application/pdf, not HTML."),
        ([("Content-Type", "text/plain; charset=utf-8")], "The page is text/plain, not HTML."),
        ([], "The page is of no declared type."),
    ],
)
async def test_what_is_not_declared_html_is_unsupported(
    headers: list[tuple[str, str]], message: str
) -> None:
    async with PagesServer() as server:
        server.pages["/doc"] = Reply(headers=headers, body=b"%PDF-1.7 <html>")
        error = await fetch_error(server, "/doc")
    assert (error.code, error.message, error.transient) == (
        ErrorCode.E_UNSUPPORTED_CONTENT,
        message,
        False,
    )


@pytest.mark.parametrize(
    ("status", "transient"),
    [(400, False), (403, False), (404, False), (410, False), (429, True), (500, True), (503, True)],
)
async def test_an_http_error_status_fails_and_only_429_and_5xx_are_transient(
    status: int, transient: bool
) -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply(status)
        error = await fetch_error(server, "/")
    assert (error.code, error.transient) == (ErrorCode.E_INGEST_FAILED, transient)
    assert error.message == f"The site answered HTTP {status}."


async def test_a_refused_connection_is_a_transient_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(IngestError) as raised:
        await fetch_page(
            f"http://127.0.0.1:{port}/", limits=LIMITS, allow_hosts=frozenset({("127.0.0.1", port)})
        )
    assert (raised.value.code, raised.value.transient) == (ErrorCode.E_INGEST_FAILED, True)
    assert raised.value.message == "The site could not be reached."


@pytest.mark.parametrize("reply", [Reply(hang_up=True), Reply(reset=True)], ids=["closed", "reset"])
async def test_a_connection_closed_or_reset_without_an_answer_is_a_transient_failure(
    reply: Reply,
) -> None:
    async with PagesServer() as server:
        server.pages["/"] = reply
        error = await fetch_error(server, "/")
    assert (error.code, error.transient) == (ErrorCode.E_INGEST_FAILED, True)


async def test_a_connection_that_is_never_accepted_times_out_at_the_connect_limit() -> None:
    limits = FetchLimits(
        connect_timeout_seconds=0.5, fetch_timeout_seconds=5, max_bytes=1024, max_redirects=5
    )
    # A backlog of zero holds one connection; the kernel drops the SYNs of the next ones.
    with socket.socket() as listener, socket.socket() as queued:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued.connect(("127.0.0.1", port))
        started = time.monotonic()
        with pytest.raises(IngestError) as raised:
            await fetch_page(
                f"http://127.0.0.1:{port}/",
                limits=limits,
                allow_hosts=frozenset({("127.0.0.1", port)}),
            )
        elapsed = time.monotonic() - started
    assert (raised.value.code, raised.value.transient) == (ErrorCode.E_INGEST_TIMEOUT, True)
    assert 0.4 < elapsed < 2


async def test_a_page_that_never_finishes_times_out() -> None:
    limits = FetchLimits(
        connect_timeout_seconds=1, fetch_timeout_seconds=1, max_bytes=64 * 1024, max_redirects=5
    )
    async with PagesServer() as server:
        server.pages["/slow"] = Reply(stall=True)
        started = time.monotonic()
        error = await fetch_error(server, "/slow", limits)
        elapsed = time.monotonic() - started
    assert (error.code, error.transient) == (ErrorCode.E_INGEST_TIMEOUT, True)
    assert 0.9 < elapsed < 3


async def test_a_name_that_never_resolves_times_out_at_the_connect_limit() -> None:
    async def silent_resolver(host: str, port: int) -> list[IPv4Address]:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    limits = FetchLimits(
        connect_timeout_seconds=0.3, fetch_timeout_seconds=5, max_bytes=1024, max_redirects=5
    )
    started = time.monotonic()
    with pytest.raises(IngestError) as raised:
        await fetch_page(
            "https://slow-dns.example/",
            limits=limits,
            allow_hosts=frozenset(),
            resolver=silent_resolver,
        )
    assert (raised.value.code, raised.value.transient) == (ErrorCode.E_INGEST_TIMEOUT, True)
    assert time.monotonic() - started < 2


async def test_the_user_agent_names_the_product_and_its_version() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    user_agent = server.requests[0].headers["user-agent"]
    assert user_agent == f"NexusBot/{version('nexus-api')} (+https://nexus.example/bot)"


async def test_proxies_in_the_environment_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.setenv(name, closed)
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts:
            page = await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert page.status_code == 200
    assert attempts == [("127.0.0.1", server.port)]


async def test_cookies_are_not_kept_from_one_fetch_to_the_next() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply(
            headers=[("Content-Type", "text/html"), ("Set-Cookie", "s=1; Path=/")]
        )
        await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
        await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert [request.headers.get("cookie") for request in server.requests] == [None, None]
