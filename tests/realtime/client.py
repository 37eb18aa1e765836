"""A graphql-transport-ws client on the `websockets` library, for the tests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"

MEDIA_PROCESSING = """subscription Watch($id: ID!) {
  mediaProcessing(id: $id) { id uuid processingStatus title capabilities { canRead } }
}"""
VIEWER_MEDIA_UPDATES = "subscription { viewerMediaUpdates { uuid processingStatus } }"


class GraphQLSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def open(
        cls, url: str, subprotocols: tuple[str, ...] = (PROTOCOL,), *, slow: bool = False
    ) -> AsyncIterator[GraphQLSocket]:
        """`slow`: a client that takes in little before it is read (small kernel receive
        buffer, one frame queued), as one on a poor network."""
        options: dict[str, Any] = {"subprotocols": list(subprotocols), "compression": None}
        if slow:
            host, port = url.removeprefix("ws://").split("/")[0].split(":")
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
            sock.connect((host, int(port)))
            options.update(sock=sock, max_queue=1)
        async with connect(url, **options) as connection:
            yield cls(connection)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, seconds: float = 10) -> dict[str, Any]:
        """The next message that is not a ping (pings are answered)."""
        while True:
            async with asyncio.timeout(seconds):
                message: dict[str, Any] = json.loads(await self.connection.recv())
            if message["type"] != "ping":
                return message
            await self.send({"type": "pong"})

    async def init(self, token: str | None, **payload: Any) -> None:
        if token is not None:
            payload["Authorization"] = f"Bearer {token}"
        await self.send({"type": "connection_init", "payload": payload})
        assert await self.receive() == {"type": "connection_ack"}

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def closed(self, seconds: float = 10) -> tuple[int | None, str | None]:
        """The close code and reason once the server closed the socket."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    await self.connection.recv()
        except ConnectionClosed as closed:
            frame = closed.rcvd
            return (frame.code, frame.reason) if frame else (None, None)
        raise AssertionError("unreachable")

    async def until_complete(self, operation_id: str, seconds: float = 15) -> list[dict[str, Any]]:
        """Every `next` payload of the operation until its `complete`."""
        payloads: list[dict[str, Any]] = []
        while True:
            message = await self.receive(seconds)
            assert message.get("id") == operation_id, message
            if message["type"] == "complete":
                return payloads
            assert message["type"] == "next", message
            payloads.append(message["payload"])
