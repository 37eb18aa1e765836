"""Pages served on loopback for the fetcher's tests, and a watch on outgoing connections.

PagesServer is an asyncio HTTP/1.1 server on 127.0.0.1 or ::1 and a random free port; a
test writes the replies by target (path and query, else the path alone) and reads back
the requests it got. `connections_attempted` records every socket.connect of the process
(an audit hook) and refuses, before the system call, any destination that is not
loopback: whatever the code under test does, no packet leaves the machine."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address
from types import TracebackType

HTML = "text/html; charset=utf-8"


@dataclass
class Reply:
    """What the server answers on a path. `stall` sends the head and the first body bytes,
    then nothing until the server stops; `chunks` are sent one after another without a
    Content-Length (the end of the body is the end of the connection); `hang_up` closes the
    connection without answering, `reset` aborts it (a TCP reset). A Content-Length among
    `headers` replaces the true one."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", HTML)])
    body: bytes = b"<!doctype html><title>A page</title><p>Hello.</p>"
    chunks: list[bytes] | None = None
    stall: bool = False
    hang_up: bool = False
    reset: bool = False


@dataclass
class SeenRequest:
    target: str
    headers: dict[str, str]


class PagesServer:
    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls
        self.port = 0
        self.pages: dict[str, Reply] = {}
        self.requests: list[SeenRequest] = []
        self._stop = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> PagesServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def allow_hosts(self) -> frozenset[tuple[str, int]]:
        return frozenset({(self.host, self.port)})

    def url(self, path: str) -> str:
        return f"{'https' if self.tls else 'http'}://{self.authority}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not reader.at_eof():
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
                headers = dict(line.split(": ", 1) for line in header_lines)
                seen = SeenRequest(
                    request_line.split(" ")[1], {k.lower(): v for k, v in headers.items()}
                )
                self.requests.append(seen)
                reply = self.pages.get(seen.target) or self.pages.get(
                    seen.target.split("?")[0], Reply(404, body=b"not found")
                )
                if not await self._answer(reply, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reply: Reply, writer: asyncio.StreamWriter) -> bool:
        """Send a reply; True when the connection may carry another request."""
        if reply.reset:
            # Linger on, timeout zero: closing sends a reset instead of a FIN.
            linger = struct.pack("ii", 1, 0)
            writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        if reply.hang_up or reply.reset:
            return False
        head = [f"HTTP/1.1 {reply.status} Reply", *(f"{k}: {v}" for k, v in reply.headers)]
        if reply.chunks is None and not any(
            k.lower() == "content-length" for k, _ in reply.headers
        ):
            head.append(f"Content-Length: {len(reply.body)}")
        else:
            head.append("Connection: close")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if reply.stall:
            writer.write(reply.body[:10])
            await writer.drain()
            await self._stop.wait()
            return False
        for chunk in reply.chunks or [reply.body]:
            writer.write(chunk)
            await writer.drain()
        return reply.chunks is None


class TableResolver:
    """A resolver answering from a table and counting the questions; a name not in the
    table does not exist. Names resolve without any packet on the network."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.questions: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPv4Address | IPv6Address]:
        self.questions.append((host, port))
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ip_address(address) for address in self.answers[host]]


_attempts: list[tuple[str, int]] | None = None


def _watch_connections(event: str, args: tuple[object, ...]) -> None:
    if event != "socket.connect" or _attempts is None:
        return
    destination = args[1]
    if not isinstance(destination, tuple):
        return
    host, port = str(destination[0]), int(destination[1])
    _attempts.append((host, port))
    if not ip_address(host.partition("%")[0]).is_loopback:
        raise PermissionError(f"a test tried to connect to {host}:{port}")


sys.addaudithook(_watch_connections)


@contextmanager
def connections_attempted() -> Iterator[list[tuple[str, int]]]:
    """Every (host, port) a socket tried to connect to inside the block; a non-loopback
    destination is refused before the connection is attempted."""
    global _attempts  # noqa: PLW0603 (an audit hook cannot be removed, so it reads a switch)
    _attempts = []
    try:
        yield _attempts
    finally:
        _attempts = None
