"""reading.md, Fetching: only ports 80 and 443, only globally routable addresses, checked on
every hop and for every resolved address, and the connection made to the address checked.
Each refusal is asserted to come before any connection is attempted."""

from __future__ import annotations

import pytest

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import FetchedPage, FetchLimits, fetch_page
from nexus.ingest.guarded_transport import resolve_with_system
from tests.ingest.pages_server import PagesServer, Reply, TableResolver, connections_attempted

LIMITS = FetchLimits(
    connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=64 * 1024, max_redirects=5
)
BLOCKED_LITERALS = [
    "http://127.0.0.2/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://localhost/",
]
BLOCKED_ANSWERS = {
    "intranet.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "loopback.example": ["127.0.0.2"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "v6-loopback.example": ["::1"],
    "mixed.example": ["93.184.215.14", "10.1.2.3"],
}


async def refusal(
    url: str,
    allow_hosts: frozenset[tuple[str, int]] = frozenset(),
    resolver: TableResolver | None = None,
) -> IngestError:
    with pytest.raises(IngestError) as raised:
        await fetch_page(url, limits=LIMITS, allow_hosts=allow_hosts, resolver=resolver)
    return raised.value


@pytest.mark.parametrize("url", BLOCKED_LITERALS)
async def test_a_blocked_literal_address_is_refused_before_connecting(url: str) -> None:
    resolver = TableResolver({})
    with connections_attempted() as attempts:
        error = await refusal(url, resolver=resolver)
    assert error.code is ErrorCode.E_SSRF_BLOCKED
    assert not error.transient
    assert attempts == []


@pytest.mark.parametrize("host", sorted(BLOCKED_ANSWERS))
async def test_a_name_resolving_to_a_blocked_address_is_refused_before_connecting(
    host: str,
) -> None:
    resolver = TableResolver(BLOCKED_ANSWERS)
    with connections_attempted() as attempts:
        error = await refusal(f"https://{host}/article", resolver=resolver)
    assert error.code is ErrorCode.E_SSRF_BLOCKED
    assert resolver.questions == [(host, 443)]
    assert attempts == []
    for address in BLOCKED_ANSWERS[host]:
        assert address not in error.message


@pytest.mark.parametrize("target", [*BLOCKED_LITERALS, "https://intranet.example/"])
async def test_a_redirect_to_a_blocked_address_is_refused_before_connecting(target: str) -> None:
    async with PagesServer() as server:
        server.pages["/go"] = Reply(302, headers=[("Location", target)])
        with connections_attempted() as attempts:
            error = await refusal(
                server.url("/go"), server.allow_hosts, TableResolver(BLOCKED_ANSWERS)
            )
    assert error.code is ErrorCode.E_SSRF_BLOCKED
    assert {port for _, port in attempts} == {server.port}
    assert target.removeprefix("http://").removeprefix("https://").strip("/") not in error.message


async def test_a_loopback_server_is_refused_unless_allow_hosts_names_it() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts:
            error = await refusal(server.url("/"))
        assert error.code is ErrorCode.E_SSRF_BLOCKED
        assert attempts == []
        page = await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert page.status_code == 200


async def test_allow_hosts_admits_only_the_port_it_names() -> None:
    async with PagesServer() as allowed, PagesServer() as other:
        other.pages["/"] = Reply()
        with connections_attempted() as attempts:
            error = await refusal(other.url("/"), allowed.allow_hosts)
        assert error.code is ErrorCode.E_SSRF_BLOCKED
        assert attempts == []
        allowed.pages["/go"] = Reply(302, headers=[("Location", other.url("/"))])
        with connections_attempted() as attempts:
            error = await refusal(allowed.url("/go"), allowed.allow_hosts)
        assert error.code is ErrorCode.E_SSRF_BLOCKED
        assert attempts == [("127.0.0.1", allowed.port)]
    assert other.requests == []


async def test_an_allowed_ipv6_loopback_server_is_fetched() -> None:
    async with PagesServer("::1") as server:
        server.pages["/"] = Reply()
        page = await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert page.final_url == f"http://[::1]:{server.port}/"


async def test_the_connection_goes_to_the_address_the_resolver_answered() -> None:
    # "site.example" exists only in this resolver: a second lookup anywhere else would fail.
    resolver = TableResolver({"site.example": ["127.0.0.1"]})
    async with PagesServer() as server:
        server.pages["/a"] = Reply(302, headers=[("Location", "/b")])
        server.pages["/b"] = Reply()
        url = f"http://site.example:{server.port}/a"
        with connections_attempted() as attempts:
            page: FetchedPage = await fetch_page(
                url,
                limits=LIMITS,
                allow_hosts=frozenset({("site.example", server.port)}),
                resolver=resolver,
            )
    assert page.final_url == f"http://site.example:{server.port}/b"
    assert [request.headers["host"] for request in server.requests] == [
        f"site.example:{server.port}"
    ] * 2
    assert resolver.questions == [("site.example", server.port)] * len(attempts)
    assert set(attempts) == {("127.0.0.1", server.port)}


async def test_a_name_that_does_not_resolve_is_a_transient_failure() -> None:
    error = await refusal("https://nowhere.example/", resolver=TableResolver({}))
    assert error.code is ErrorCode.E_INGEST_FAILED
    assert error.transient
    assert error.message == "The name nowhere.example could not be resolved."


async def test_a_redirect_to_another_port_is_refused() -> None:
    async with PagesServer() as server:
        server.pages["/go"] = Reply(302, headers=[("Location", "http://93.184.215.14:8080/")])
        with connections_attempted() as attempts:
            error = await refusal(server.url("/go"), server.allow_hosts)
    assert error.code is ErrorCode.E_SSRF_BLOCKED
    assert attempts == [("127.0.0.1", server.port)]


async def test_the_system_resolver_answers_localhost_from_the_hosts_file() -> None:
    addresses = await resolve_with_system("localhost", 80)
    assert addresses
    assert all(address.is_loopback for address in addresses)


async def test_the_system_resolver_is_the_default() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts:
            page = await fetch_page(
                f"http://localhost:{server.port}/",
                limits=LIMITS,
                allow_hosts=frozenset({("localhost", server.port)}),
            )
    assert page.final_url == f"http://localhost:{server.port}/"
    assert attempts[-1] == ("127.0.0.1", server.port)


async def test_each_checked_address_is_tried_in_turn() -> None:
    # The server listens on 127.0.0.1 alone: 127.0.0.2 at its port refuses the connection.
    resolver = TableResolver({"site.example": ["127.0.0.2", "127.0.0.1"]})
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts:
            await fetch_page(
                f"http://site.example:{server.port}/",
                limits=LIMITS,
                allow_hosts=frozenset({("site.example", server.port)}),
                resolver=resolver,
            )
    assert attempts == [("127.0.0.2", server.port), ("127.0.0.1", server.port)]
