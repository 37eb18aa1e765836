"""A loopback TCP proxy to PostgreSQL whose connections can go silent, like half-open ones:
the client's writes are still accepted, and nothing reaches either side any more."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url


class _Pair:
    def __init__(self) -> None:
        self.stalled = False
        self.writers: list[asyncio.StreamWriter] = []
        self.pumps: list[asyncio.Task[None]] = []


class StallingProxy:
    """Forwards 127.0.0.1:`port` to the upstream server; `stall()` silences every connection
    open at that moment, while connections opened later are forwarded as usual."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._pairs: list[_Pair] = []

    def stall(self) -> None:
        for pair in self._pairs:
            pair.stalled = True

    def url(self, database_url: str) -> str:
        """`database_url` pointed at the proxy."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    @classmethod
    @asynccontextmanager
    async def to(cls, database_url: str) -> AsyncIterator[StallingProxy]:
        upstream = make_url(database_url)
        proxy = cls(upstream.host or "127.0.0.1", upstream.port or 5432)
        server = await asyncio.start_server(proxy._accept, "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        try:
            yield proxy
        finally:
            server.close()
            for pair in proxy._pairs:
                for pump in pair.pumps:
                    pump.cancel()
                for writer in pair.writers:
                    writer.close()
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        pair = _Pair()
        pair.writers = [writer, up_writer]
        self._pairs.append(pair)
        pair.pumps = [
            asyncio.create_task(_pump(reader, up_writer, pair)),
            asyncio.create_task(_pump(up_reader, writer, pair)),
        ]


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pair: _Pair) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            if not pair.stalled:  # a stalled connection's bytes are lost on the way
                writer.write(data)
                await writer.drain()
    if not pair.stalled:
        writer.close()
