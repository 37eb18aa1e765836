"""A WebSocket connection's outgoing messages: queued without waiting, sent in order by
the connection's own task, a ping after each quiet spell, and a close frame last.

The queue is bounded: a client that stops reading fills the socket's buffers, the sender
waits, and once the queue is full the connection is closed (1008) instead of buffering
for it without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from starlette.types import Send

__all__ = ["TOO_SLOW", "Outbox"]

logger = logging.getLogger("nexus.websocket")

TOO_SLOW = 1008
_PING = '{"type":"ping"}'


class Outbox:
    def __init__(
        self,
        send: Send,
        *,
        ping_seconds: float,
        max_queued: int,
        on_close: Callable[[], None],
    ) -> None:
        self._send = send
        self.ping_seconds = ping_seconds
        self.max_queued = max_queued
        # Called once, when closing starts: nothing more is sent after the close frame.
        self._on_close = on_close
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self.closing: tuple[int, str] | None = None
        # The client closed or vanished: no close frame is due.
        self.disconnected = False
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write())

    async def finish(self) -> None:
        """Close (unless closing already) and wait until the close frame is sent."""
        self.close(1000, "")
        if self._writer is not None:
            await self._writer

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()

    def send(self, message: str) -> None:
        if self.closing is not None:
            return
        if len(self._queue) >= self.max_queued:
            logger.warning("closing a WebSocket whose client does not read its messages")
            self._queue.clear()
            self.close(TOO_SLOW, "Messages not read: too slow")
            # The writer is stuck sending to this client: stop it, it sends the close.
            self.cancel()
            return
        self._queue.append(message)
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            self._on_close()
            self._wake.set()

    async def _write(self) -> None:
        ping_seconds = self.ping_seconds
        try:
            while True:
                while self._queue and self.closing is None:
                    await self._send({"type": "websocket.send", "text": self._queue.popleft()})
                if self.closing is not None:
                    await self._send_close()
                    return
                self._wake.clear()
                try:
                    async with asyncio.timeout(ping_seconds):
                        await self._wake.wait()
                except TimeoutError:
                    self._queue.append(_PING)
        except asyncio.CancelledError:
            if self.closing is not None and self.closing[0] == TOO_SLOW:
                # Bounded by the server's own close timeout, then the connection is cut.
                await self._send_close()
                return
            raise
        except OSError:
            return  # the client went away

    async def _send_close(self) -> None:
        if self.disconnected or self.closing is None:
            return
        code, reason = self.closing
        with contextlib.suppress(OSError):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
