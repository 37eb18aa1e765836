"""GraphQL over WebSocket at /graphql: the graphql-transport-ws protocol, subscriptions
only (queries and mutations go over HTTP).

A connection has 10 s to send `connection_init`, which authenticates as HTTP does
(`websocket_auth`); until then any other message closes it with 4401. Each `subscribe`
is prepared by the HTTP path's executor (depth, alias, token and cost limits) and becomes
a subscriber of the process's fan-out; at most 50 run at once. Messages go out through
a bounded queue drained by the connection's own task: a client that stops reading is
disconnected (1008) when the queue fills, instead of being buffered for without bound.
The socket is closed with 4401 when the token expires, and with 1001 when the server
stops (`close_all`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from starlette.types import Receive, Scope, Send

from nexus.app.websocket_auth import InitRefusedError, authenticate_init
from nexus.app.websocket_operation import Resolution, SubscriptionOperation
from nexus.app.websocket_subscribe import SubscribeRefusedError, prepare_subscription
from nexus.auth import Authenticator
from nexus.db.engine import Database
from nexus.graphql.context import Context
from nexus.graphql.errors import format_execution_error
from nexus.graphql.execution import GraphQLExecutor
from nexus.graphql.subscriptions import MediaEventRoot
from nexus.realtime import Fanout
from nexus.services.saving_policy import SavingPolicy
from nexus.services.users import EnsuredUsers

__all__ = ["PROTOCOL", "GraphQLWebSocket", "WebSocketLimits", "close_all"]

logger = logging.getLogger("nexus.websocket")

PROTOCOL = "graphql-transport-ws"
GOING_AWAY = 1001
TOO_SLOW = 1008
_PING = '{"type":"ping"}'
_PONG = '{"type":"pong"}'
_ACK = '{"type":"connection_ack"}'
# Every endpoint of this process, for the server that stops it (`close_all`).
_ENDPOINTS: weakref.WeakSet[GraphQLWebSocket] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class WebSocketLimits:
    max_operations: int = 50
    init_timeout_seconds: float = 10.0
    ping_seconds: float = 15.0
    max_queued_messages: int = 256


class GraphQLWebSocket:
    """The ASGI app for WebSocket scopes at /graphql."""

    def __init__(
        self,
        *,
        executor: GraphQLExecutor,
        database: Database,
        authenticator: Authenticator,
        ensure_viewer: EnsuredUsers,
        fanout: Fanout,
        saving: SavingPolicy,
        limits: WebSocketLimits,
    ) -> None:
        self.executor = executor
        self.database = database
        self.authenticator = authenticator
        self.ensure_viewer = ensure_viewer
        self.fanout = fanout
        self.saving = saving
        self.limits = limits
        self.sessions: set[_Session] = set()
        self._no_sessions = asyncio.Event()
        self._no_sessions.set()
        _ENDPOINTS.add(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        if PROTOCOL not in scope.get("subprotocols", ()):
            # The legacy `graphql-ws` protocol (or none): the close code says why.
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": 4406, "reason": "Subprotocol not acceptable"}
            )
            return
        await send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        session = _Session(self, receive, send)
        self.sessions.add(session)
        self._no_sessions.clear()
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if not self.sessions:
                self._no_sessions.set()

    async def going_away(self) -> None:
        for session in list(self.sessions):
            session.close(GOING_AWAY, "Server shutting down")
        # Clients answer the close frame at once; one that does not is cut off later.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await self._no_sessions.wait()


async def close_all() -> None:
    """Close every WebSocket of this process with 1001 (before the server stops)."""
    await asyncio.gather(*(endpoint.going_away() for endpoint in list(_ENDPOINTS)))


class _Session:
    """One connection: its reader task, and its writer (the ASGI task itself)."""

    def __init__(self, endpoint: GraphQLWebSocket, receive: Receive, send: Send) -> None:
        self.endpoint = endpoint
        self._receive = receive
        self._send = send
        self.request_id = uuid.uuid4().hex
        self.viewer_id: UUID | None = None
        self.operations: dict[str, SubscriptionOperation] = {}
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._disconnected = False
        self._expiry: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None

    async def run(self) -> None:
        self._writer = asyncio.create_task(self._write())
        try:
            await self._read()
            # Either side closed: the writer sends the close frame, unless the client went.
            self.close(1000, "")
            await self._writer
        finally:
            self._writer.cancel()
            self._forget_operations()
            if self._expiry is not None:
                self._expiry.cancel()

    # Outgoing.

    def send(self, message: str) -> None:
        if self._closing is not None:
            return
        if len(self._outbox) >= self.endpoint.limits.max_queued_messages:
            logger.warning("closing a WebSocket whose client does not read its messages")
            self._outbox.clear()
            self.close(TOO_SLOW, "Messages not read: too slow")
            # The writer is stuck sending to this client: stop it, it sends the close.
            if self._writer is not None:
                self._writer.cancel()
            return
        self._outbox.append(message)
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        if self._closing is None:
            self._closing = (code, reason)
            self._forget_operations()
            self._wake.set()

    async def _write(self) -> None:
        ping_seconds = self.endpoint.limits.ping_seconds
        try:
            while True:
                while self._outbox and self._closing is None:
                    await self._send({"type": "websocket.send", "text": self._outbox.popleft()})
                if self._closing is not None:
                    await self._send_close()
                    return
                self._wake.clear()
                try:
                    async with asyncio.timeout(ping_seconds):
                        await self._wake.wait()
                except TimeoutError:
                    self._outbox.append(_PING)
        except asyncio.CancelledError:
            if self._closing is not None and self._closing[0] == TOO_SLOW:
                # Bounded by the server's own close timeout, then the connection is cut.
                await self._send_close()
                return
            raise
        except OSError:
            return  # the client went away

    async def _send_close(self) -> None:
        if self._disconnected or self._closing is None:
            return
        code, reason = self._closing
        with contextlib.suppress(OSError):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    # Incoming.

    async def _read(self) -> None:
        try:
            async with asyncio.timeout(self.endpoint.limits.init_timeout_seconds):
                while self.viewer_id is None and self._closing is None:
                    if not await self._read_one():
                        return
            while self._closing is None:
                if not await self._read_one():
                    return
        except TimeoutError:
            self.close(4408, "Connection initialisation timeout")

    async def _read_one(self) -> bool:
        """Handle one incoming message; False when the client is gone."""
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self._disconnected = True
            return False
        text = message.get("text")
        try:
            parsed = orjson.loads(text) if text is not None else None
        except orjson.JSONDecodeError:
            parsed = None
        kind = parsed.get("type") if isinstance(parsed, dict) else None
        if not isinstance(kind, str):
            self.close(4400, "Messages must be JSON objects with a type")
            return True
        assert isinstance(parsed, dict)
        if kind == "connection_init":
            await self._on_init(parsed.get("payload"))
        elif kind == "ping":
            self.send(_PONG)
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            self._on_subscribe(parsed)
        elif kind == "complete":
            self._on_complete(parsed.get("id"))
        else:
            self.close(4400, f"Unknown message type: {kind[:40]}")
        return True

    async def _on_init(self, payload: object) -> None:
        if self.viewer_id is not None:
            self.close(4429, "Too many initialisation requests")
            return
        try:
            authenticated = await authenticate_init(self.endpoint.authenticator, payload)
            await self.endpoint.ensure_viewer(authenticated.viewer_id)
        except InitRefusedError as refused:
            self.close(refused.code, refused.reason)
            return
        self.viewer_id = authenticated.viewer_id
        delay = authenticated.valid_until - time.time()
        self._expiry = asyncio.get_running_loop().call_later(
            delay, self.close, 4401, "Token expired"
        )
        self.send(_ACK)

    def _on_subscribe(self, message: dict[str, Any]) -> None:
        if self.viewer_id is None:
            self.close(4401, "Unauthorized")
            return
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            self.close(4400, "A subscribe message needs an id")
            return
        if operation_id in self.operations:
            self.close(4409, f"Subscriber for {operation_id[:64]} already exists")
            return
        try:
            if len(self.operations) >= self.endpoint.limits.max_operations:
                raise SubscribeRefusedError.too_many(self.endpoint.limits.max_operations)
            operation = prepare_subscription(
                self.endpoint.executor,
                message.get("payload"),
                operation_id=operation_id,
                session=self,
                viewer_id=self.viewer_id,
            )
        except SubscribeRefusedError as refused:
            head = '{"id":' + orjson.dumps(operation_id).decode()
            self.send(head + ',"type":"error","payload":' + refused.payload + "}")
            return
        self.operations[operation_id] = operation
        fanout = self.endpoint.fanout
        if operation.watched.media_id is not None:
            fanout.watch(operation, operation.watched.media_id)
        else:
            fanout.watch_everything(operation)

    def _on_complete(self, operation_id: object) -> None:
        if isinstance(operation_id, str) and operation_id in self.operations:
            self.endpoint.fanout.leave(self.operations.pop(operation_id))

    # What operations need of their connection (`OperationSession`).

    def complete(self, operation: SubscriptionOperation) -> None:
        self.endpoint.fanout.leave(operation)
        if self.operations.pop(operation.operation_id, None) is operation:
            self.send(operation.complete_message())

    async def resolve(self, operation: SubscriptionOperation, media_id: UUID) -> Resolution:
        endpoint = self.endpoint
        assert self.viewer_id is not None
        context = Context(
            viewer_id=self.viewer_id,
            database=endpoint.database,
            request_id=self.request_id,
            saving=endpoint.saving,
        )
        try:
            result = await endpoint.executor.execute(
                operation.prepared,
                operation.variables,
                context,
                root_value=MediaEventRoot(media_id),
            )
        finally:
            context.close()
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [format_execution_error(e, self.request_id) for e in result.errors]
        return Resolution(orjson.dumps(payload).decode(), failed=result.data is None)

    def _forget_operations(self) -> None:
        for operation in self.operations.values():
            self.endpoint.fanout.leave(operation)
        self.operations.clear()
