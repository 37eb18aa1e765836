"""The guard at the connection itself, whatever URL checks ran before: ports and addresses
refused before connecting, TLS verified against the host name while the connection goes
to the address that was checked."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpcore
import httpx
import pytest

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import FetchLimits, fetch_page
from nexus.ingest.guarded_transport import GuardedTransport
from tests.ingest.certificates import tls_contexts
from tests.ingest.pages_server import PagesServer, Reply, TableResolver, connections_attempted


async def get(
    url: str,
    allow_hosts: frozenset[tuple[str, int]] = frozenset(),
    resolver: TableResolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Response:
    transport = GuardedTransport(
        allow_hosts=allow_hosts, resolver=resolver or TableResolver({}), ssl_context=ssl_context
    )
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.get(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:443/",
        "http://169.254.169.254/",
        "http://[::ffff:a00:1]/",
        "https://intranet.example/",
    ],
)
async def test_the_transport_refuses_blocked_addresses_before_connecting(url: str) -> None:
    resolver = TableResolver({"intranet.example": ["192.168.0.10"]})
    with connections_attempted() as attempts, pytest.raises(IngestError) as raised:
        await get(url, resolver=resolver)
    assert raised.value.code is ErrorCode.E_SSRF_BLOCKED
    assert attempts == []


async def test_the_transport_refuses_ports_other_than_80_and_443() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts, pytest.raises(IngestError) as raised:
            await get(f"http://public.example:{server.port}/")
        assert raised.value.code is ErrorCode.E_SSRF_BLOCKED
        assert attempts == []
        response = await get(server.url("/"), server.allow_hosts)
    assert response.status_code == 200


async def test_tls_is_verified_against_the_host_name_not_the_address(tmp_path: Path) -> None:
    server_tls, client_tls = tls_contexts(tmp_path, "site.example")
    names: list[str | None] = []
    server_tls.sni_callback = lambda _socket, name, _context: names.append(name)
    resolver = TableResolver({"site.example": ["127.0.0.1"]})
    async with PagesServer(tls=server_tls) as server:
        server.pages["/"] = Reply()
        with connections_attempted() as attempts:
            response = await get(
                f"https://site.example:{server.port}/",
                frozenset({("site.example", server.port)}),
                resolver,
                client_tls,
            )
    assert response.status_code == 200
    assert names == ["site.example"]
    assert attempts == [("127.0.0.1", server.port)]


async def test_a_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    server_tls, client_tls = tls_contexts(tmp_path, "other.example")
    resolver = TableResolver({"site.example": ["127.0.0.1"]})
    async with PagesServer(tls=server_tls) as server:
        server.pages["/"] = Reply()
        with pytest.raises(httpcore.ConnectError) as raised:
            await get(
                f"https://site.example:{server.port}/",
                frozenset({("site.example", server.port)}),
                resolver,
                client_tls,
            )
    assert isinstance(raised.value.args[0], ssl.SSLCertVerificationError)


async def test_fetch_page_verifies_certificates_and_does_not_retry_a_bad_one(
    tmp_path: Path,
) -> None:
    server_tls, _ = tls_contexts(tmp_path, "site.example")
    async with PagesServer(tls=server_tls) as server:
        server.pages["/"] = Reply()
        with pytest.raises(IngestError) as raised:
            await fetch_page(
                f"https://site.example:{server.port}/",
                limits=FetchLimits(
                    connect_timeout_seconds=2,
                    fetch_timeout_seconds=5,
                    max_bytes=1024,
                    max_redirects=0,
                ),
                allow_hosts=frozenset({("site.example", server.port)}),
                resolver=TableResolver({"site.example": ["127.0.0.1"]}),
            )
    assert (raised.value.code, raised.value.transient) == (ErrorCode.E_INGEST_FAILED, False)
    assert raised.value.message == "The site's certificate could not be verified."
    assert server.requests == []
