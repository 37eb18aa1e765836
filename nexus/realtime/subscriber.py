"""What the fan-out asks of a subscription (the app's WebSocket operations implement it)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol
from uuid import UUID

from nexus.db.engine import Database

__all__ = ["Subscriber"]


class Subscriber(Protocol):
    """One subscription. `selection` is whatever makes two subscribers of one viewer
    see the same thing (the app's document and variables): they share resolutions."""

    @property
    def viewer_id(self) -> UUID: ...

    @property
    def selection(self) -> Hashable: ...

    async def resolve(self, media_id: UUID, database: Database) -> object:
        """The media's state as this subscriber's group sees it (shared by the group),
        read from `database` (the event's snapshot)."""
        ...

    def receive(self, resolved: object, status: str | None, *, final: bool) -> None:
        """A state to send; `final` after a merge: the surviving media is the last one."""
        ...

    def lose_access(self) -> None:
        """The viewer can no longer read the watched media (or it is gone)."""
        ...
