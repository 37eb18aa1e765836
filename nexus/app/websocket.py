"""GraphQL over WebSocket at /graphql: the graphql-transport-ws protocol, subscriptions
only (queries and mutations go over HTTP).

A connection has 10 s to send `connection_init`, which authenticates as HTTP does
(`websocket_auth`). Each `subscribe` is prepared by the HTTP path's executor (depth,
alias, token and cost limits) and becomes a subscriber of the process's fan-out; at most
50 run at once (`websocket_session`). Messages go out through a bounded queue
(`websocket_outbox`). The socket is closed with 4401 when the token expires, and with
1001 when the server stops (`close_all`); the legacy `graphql-ws` protocol with 4406.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass

from starlette.types import Receive, Scope, Send

from nexus.app.websocket_session import Session
from nexus.auth import Authenticator
from nexus.db.engine import Database
from nexus.graphql.execution import GraphQLExecutor
from nexus.realtime import Fanout
from nexus.services.saving_policy import SavingPolicy
from nexus.services.users import EnsuredUsers

__all__ = ["PROTOCOL", "GraphQLWebSocket", "WebSocketLimits", "close_all"]

PROTOCOL = "graphql-transport-ws"
GOING_AWAY = 1001
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
        self.sessions: set[Session] = set()
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
        session = Session(self, receive, send)
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
