"""reading.md, Fetching: redirects are followed, at most 5, each hop checked again."""

from __future__ import annotations

import pytest

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import FetchLimits, fetch_page
from tests.ingest.pages_server import PagesServer, Reply

LIMITS = FetchLimits(
    connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=64 * 1024, max_redirects=5
)


def chain(server: PagesServer, redirects: int) -> None:
    """/r0 redirects to /r1 ... up to /r<redirects>, a page."""
    for hop in range(redirects):
        server.pages[f"/r{hop}"] = Reply(301, headers=[("Location", f"/r{hop + 1}")])
    server.pages[f"/r{redirects}"] = Reply()


async def test_five_redirects_are_followed_to_the_page() -> None:
    async with PagesServer() as server:
        chain(server, 5)
        page = await fetch_page(server.url("/r0"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert page.final_url == server.url("/r5")
    assert [request.target for request in server.requests] == [f"/r{hop}" for hop in range(6)]


async def test_a_sixth_redirect_is_refused() -> None:
    async with PagesServer() as server:
        chain(server, 6)
        with pytest.raises(IngestError) as raised:
            await fetch_page(server.url("/r0"), limits=LIMITS, allow_hosts=server.allow_hosts)
        assert len(server.requests) == 6
    assert (raised.value.code, raised.value.transient) == (ErrorCode.E_INGEST_FAILED, False)
    assert raised.value.message == "The site redirected more than 5 times."


async def test_a_redirect_loop_ends_at_the_limit() -> None:
    async with PagesServer() as server:
        server.pages["/a"] = Reply(302, headers=[("Location", "/b")])
        server.pages["/b"] = Reply(307, headers=[("Location", "/a")])
        with pytest.raises(IngestError) as raised:
            await fetch_page(server.url("/a"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert raised.value.code is ErrorCode.E_INGEST_FAILED


@pytest.mark.parametrize(
    ("location", "final_path"),
    [
        ("next", "/dir/next"),
        ("../up", "/up"),
        ("/absolute?x=1&utm_source=mail#frag", "/absolute?x=1"),
        ("?page=2", "/dir/start?page=2"),
        ("//{authority}/scheme-relative", "/scheme-relative"),
        ("http://{authority}/full", "/full"),
    ],
)
async def test_relative_and_absolute_locations_are_resolved_against_the_page(
    location: str, final_path: str
) -> None:
    async with PagesServer() as server:
        target = location.format(authority=server.authority)
        server.pages["/dir/start"] = Reply(302, headers=[("Location", target)])
        server.pages[final_path] = Reply()
        page = await fetch_page(
            server.url("/dir/start"), limits=LIMITS, allow_hosts=server.allow_hosts
        )
    assert page.final_url == server.url(final_path)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/"])
async def test_a_redirect_out_of_http_fails(location: str) -> None:
    async with PagesServer() as server:
        server.pages["/go"] = Reply(302, headers=[("Location", location)])
        with pytest.raises(IngestError) as raised:
            await fetch_page(server.url("/go"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert raised.value.code is ErrorCode.E_INGEST_FAILED


async def test_a_redirect_without_a_location_fails() -> None:
    async with PagesServer() as server:
        server.pages["/go"] = Reply(302)
        with pytest.raises(IngestError) as raised:
            await fetch_page(server.url("/go"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert raised.value.message == "The site redirected nowhere."


async def test_the_limit_of_redirects_comes_from_the_limits() -> None:
    limits = FetchLimits(
        connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=1024, max_redirects=0
    )
    async with PagesServer() as server:
        chain(server, 1)
        with pytest.raises(IngestError) as raised:
            await fetch_page(server.url("/r0"), limits=limits, allow_hosts=server.allow_hosts)
    assert raised.value.message == "The site redirected more than 0 times."
