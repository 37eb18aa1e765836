"""One graphql-transport-ws connection: connection_init, then subscribe and complete
messages, each operation a subscriber of the process's fan-out.

Until `connection_init` is accepted any other operation message closes the socket with
4401; the protocol's other refusals: 4400 (not a message), 4408 (no init in time), 4409
(an id in use), 4429 (a second init), 4500 (an unexpected failure, logged).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from starlette.types import Receive, Send

from nexus.app.websocket_auth import InitRefusedError, authenticate_init
from nexus.app.websocket_operation import Resolution, SubscriptionOperation
from nexus.app.websocket_outbox import Outbox
from nexus.app.websocket_subscribe import SubscribeRefusedError, prepare_subscription
from nexus.db.engine import Database
from nexus.graphql.context import Context
from nexus.graphql.errors import format_execution_error
from nexus.graphql.subscriptions import MediaEventRoot

if TYPE_CHECKING:
    from nexus.app.websocket import GraphQLWebSocket

__all__ = ["Session"]

logger = logging.getLogger("nexus.websocket")

_PONG = '{"type":"pong"}'
_ACK = '{"type":"connection_ack"}'


class Session:
    """One connection, read in its ASGI task and written by its outbox's own task."""

    def __init__(self, endpoint: GraphQLWebSocket, receive: Receive, send: Send) -> None:
        self.endpoint = endpoint
        self._receive = receive
        self.request_id = uuid.uuid4().hex
        self.viewer_id: UUID | None = None
        self.operations: dict[str, SubscriptionOperation] = {}
        self.outbox = Outbox(
            send,
            ping_seconds=endpoint.limits.ping_seconds,
            max_queued=endpoint.limits.max_queued_messages,
            on_close=self._forget_operations,
        )
        self._expiry: asyncio.TimerHandle | None = None

    async def run(self) -> None:
        self.outbox.start()
        try:
            await self._read()
            # Either side closed: the close frame goes last, unless the client went.
            await self.outbox.finish()
        finally:
            self.outbox.cancel()
            self._forget_operations()
            if self._expiry is not None:
                self._expiry.cancel()

    def send(self, message: str) -> None:
        self.outbox.send(message)

    def close(self, code: int, reason: str) -> None:
        self.outbox.close(code, reason)

    # Incoming.

    async def _read(self) -> None:
        try:
            async with asyncio.timeout(self.endpoint.limits.init_timeout_seconds):
                while self.viewer_id is None and self.outbox.closing is None:
                    if not await self._read_one():
                        return
            while self.outbox.closing is None:
                if not await self._read_one():
                    return
        except TimeoutError:
            self.close(4408, "Connection initialisation timeout")

    async def _read_one(self) -> bool:
        """Handle one incoming message; False when the client is gone."""
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.outbox.disconnected = True
            return False
        text = message.get("text")
        try:
            parsed = orjson.loads(text) if text is not None else None
        except orjson.JSONDecodeError:
            parsed = None
        kind = parsed.get("type") if isinstance(parsed, dict) else None
        if not isinstance(parsed, dict) or not isinstance(kind, str):
            self.close(4400, "Messages must be JSON objects with a type")
            return True
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
        except Exception:
            # As over HTTP: logged with its traceback, the client told nothing more.
            logger.exception("connection_init failed", extra={"request_id": self.request_id})
            self.close(4500, "Internal server error")
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

    async def resolve(
        self, operation: SubscriptionOperation, media_id: UUID, database: Database
    ) -> Resolution:
        endpoint = self.endpoint
        if self.viewer_id is None:  # operations start after connection_init only
            raise RuntimeError("an operation resolved on a connection with no viewer")
        context = Context(
            viewer_id=self.viewer_id,
            database=database,
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
