"""A small HTTP/1.0 listener on asyncio for a few fixed GET paths: the worker's health and
metrics, and the API's metrics on a port of their own.

These answer a probe or a scraper, never users: one request per connection, headers read
and ignored, no body. The standard library's servers are threads, and uvicorn would take
over the process's signal handlers; this stays on the process's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus

__all__ = ["Answer", "http_listener"]

# Status, body, content type.
Answer = tuple[int, bytes, str]

# A client that sends no request in time is dropped (a port scanner, a stuck probe).
REQUEST_SECONDS = 5.0
MAX_HEADER_LINES = 100


async def _read_path(reader: asyncio.StreamReader) -> str | None:
    """The request's path, after reading (and ignoring) its headers; None unless a GET."""
    async with asyncio.timeout(REQUEST_SECONDS):
        request_line = await reader.readline()
        for _ in range(MAX_HEADER_LINES):
            if (await reader.readline()).strip() == b"":
                break
    parts = request_line.split()
    if len(parts) != 3 or parts[0] != b"GET":
        return None
    return parts[1].split(b"?", 1)[0].decode("latin-1")


def _encode(answer: Answer) -> bytes:
    status, body, content_type = answer
    head = (
        f"HTTP/1.0 {status} {HTTPStatus(status).phrase}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


@asynccontextmanager
async def http_listener(
    routes: Mapping[str, Callable[[], Awaitable[Answer]]],
    *,
    host: str,
    port: int,
    reuse_port: bool = False,
) -> AsyncIterator[None]:
    """Answer GET on each of `routes`' paths at host:port while the block runs; with
    `reuse_port`, several processes listen on one port and the kernel spreads clients."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            path = await _read_path(reader)
            route = routes.get(path) if path is not None else None
            if route is not None:
                writer.write(_encode(await route()))
            else:
                writer.write(_encode((400 if path is None else 404, b"", "text/plain")))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(answer, host, port, reuse_port=reuse_port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
