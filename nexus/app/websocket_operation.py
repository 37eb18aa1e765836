"""One subscribe operation of a WebSocket connection, as a subscriber of the fan-out.

Its resolution is the operation's GraphQL execution with the event as root value, encoded
once and shared by every subscriber of the same document, variables and viewer. A state
equal to the last one sent is not sent again (a re-read that found nothing new).
`mediaProcessing` completes after a final status, a merge, or an error that leaves no
data (the viewer lost access); `viewerMediaUpdates` never completes.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import orjson

from nexus.db.engine import Database
from nexus.graphql.errors import format_request_error
from nexus.graphql.execution import PreparedOperation
from nexus.graphql.subscriptions import FINAL_STATUSES, WatchedField
from nexus.services.media import media_not_found

__all__ = ["OperationSession", "Resolution", "SubscriptionOperation"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """An execution result as the `payload` of a `next` message (JSON text)."""

    payload: str
    # `data` is null: the media could not be shown (not found, timed out, failed).
    failed: bool


class OperationSession(Protocol):
    """What an operation needs of its connection."""

    def send(self, message: str) -> None: ...

    def complete(self, operation: SubscriptionOperation) -> None: ...

    async def resolve(
        self, operation: SubscriptionOperation, media_id: UUID, database: Database
    ) -> Resolution: ...


class SubscriptionOperation:
    """A Subscriber (`nexus.realtime.hub`) for one operation id of one connection."""

    __slots__ = (
        "_head",
        "_last",
        "operation_id",
        "prepared",
        "selection",
        "session",
        "variables",
        "viewer_id",
        "watched",
    )

    def __init__(
        self,
        *,
        operation_id: str,
        session: OperationSession,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        selection: Hashable,
        viewer_id: UUID,
        watched: WatchedField,
    ) -> None:
        self.operation_id = operation_id
        self.session = session
        self.prepared = prepared
        self.variables = variables
        self.selection = selection
        self.viewer_id = viewer_id
        self.watched = watched
        # Every message of this operation starts the same way.
        self._head = '{"id":' + orjson.dumps(operation_id).decode()
        self._last: str | None = None

    def complete_message(self) -> str:
        return self._head + ',"type":"complete"}'

    async def resolve(self, media_id: UUID, database: Database) -> object:
        return await self.session.resolve(self, media_id, database)

    def receive(self, resolved: object, status: str | None, *, final: bool) -> None:
        if not isinstance(resolved, Resolution):
            raise TypeError(f"a subscription receives a Resolution, not {type(resolved).__name__}")
        if resolved.failed and not self.watched.completes:
            # Lost between the visibility check and the read: nothing to tell.
            return
        if resolved.payload != self._last:
            self._last = resolved.payload
            self.session.send(self._head + ',"type":"next","payload":' + resolved.payload + "}")
        if self.watched.completes and (final or resolved.failed or status in FINAL_STATUSES):
            self.session.complete(self)

    def lose_access(self) -> None:
        error = {**format_request_error(media_not_found()), "path": [self.watched.response_key]}
        payload = orjson.dumps({"data": None, "errors": [error]}).decode()
        self.receive(Resolution(payload, failed=True), None, final=True)
