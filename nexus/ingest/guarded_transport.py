"""The only way the fetcher reaches the network (reading.md, Fetching).

Every connection httpx opens goes through GuardedNetworkBackend, which resolves the host
itself, refuses a port or an address the server must not reach, and connects to the very
address it checked: no second lookup, so a DNS answer that changes between the check and
the connection (DNS rebinding) is never used. TLS still verifies the certificate against
the URL's host name, which httpcore sends as SNI whatever address it connected to."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from functools import cache
from ipaddress import IPv4Address, IPv6Address, ip_address

import httpcore
import httpx

from nexus.errors import ErrorCode
from nexus.ingest.addresses import is_fetchable_address
from nexus.ingest.errors import IngestError
from nexus.ingest.hosts import literal_address
from nexus.ingest.urls import FETCHABLE_PORTS

__all__ = ["GuardedNetworkBackend", "GuardedTransport", "Resolver", "resolve_with_system"]

Resolver = Callable[[str, int], Awaitable[Sequence[IPv4Address | IPv6Address]]]
"""Answers a host name's addresses for a port; the fetcher's seam for name resolution."""


async def resolve_with_system(host: str, port: int) -> list[IPv4Address | IPv6Address]:
    """The host's addresses from the operating system's resolver (`loop.getaddrinfo`)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(info[4][0]) for info in infos))


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to ports 80 and 443 of hosts whose every address is globally routable,
    unless `allow_hosts` names the (host, port); raises IngestError(E_SSRF_BLOCKED) before
    any packet is sent otherwise."""

    def __init__(self, *, allow_hosts: frozenset[tuple[str, int]], resolver: Resolver) -> None:
        self._allow_hosts = allow_hosts
        self._resolver = resolver
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        allowed = (host.lower(), port) in self._allow_hosts
        if port not in FETCHABLE_PORTS and not allowed:
            raise IngestError(
                ErrorCode.E_SSRF_BLOCKED,
                f"The server fetches pages only on ports 80 and 443, not {port}.",
            )
        addresses = await self._addresses(host, port, timeout)
        # One refused address refuses the host: a name that also points inside the network is
        # not one to trust with the others (the message never names the addresses).
        if not allowed and not all(is_fetchable_address(address) for address in addresses):
            raise IngestError(
                ErrorCode.E_SSRF_BLOCKED, "The site's address is one the server may not fetch."
            )
        failures: list[httpcore.ConnectError | httpcore.ConnectTimeout] = []
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failures.append(exc)
        raise failures[-1]

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)

    async def _addresses(
        self, host: str, port: int, limit_seconds: float | None
    ) -> Sequence[IPv4Address | IPv6Address]:
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        try:
            async with asyncio.timeout(limit_seconds):
                addresses = await self._resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except OSError:
            addresses = []
        if not addresses:
            raise IngestError(
                ErrorCode.E_INGEST_FAILED, f"The name {host} could not be resolved.", transient=True
            )
        return addresses


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport (HTTP/1.1, no proxy, no retries) over GuardedNetworkBackend.
    httpcore's own exceptions come through unchanged, for the fetcher to name."""

    def __init__(
        self,
        *,
        allow_hosts: frozenset[tuple[str, int]],
        resolver: Resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or _verifying_ssl_context(),
            network_backend=GuardedNetworkBackend(allow_hosts=allow_hosts, resolver=resolver),
            http1=True,
            http2=False,
            retries=0,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("the guarded transport serves httpx.AsyncClient only")
        response = await self._pool.handle_async_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.aiter_stream():
            yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


@cache
def _verifying_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds; one context serves every fetch.
    return httpx.create_ssl_context()
