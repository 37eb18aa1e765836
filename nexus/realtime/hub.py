"""Fan-out of media events to this process's subscribers.

One task takes events, subscriptions and re-reads in the order they came, so what a
subscriber is sent is always read after what it was sent before: no state older than
one already sent. For each event it reads, in one snapshot of the database, the media's
status and which of the watching viewers can read it (visibility is checked when the
event is sent), then resolves the event once per distinct (selection, viewer) and hands
the result to every subscriber of that group: what is sent and the status that decides
completion are one state, even while the worker commits the next. A state overtaken
before it was read is sent as the newer one (its own event then finds nothing new).
A subscriber whose viewer can no longer read the media it watches is told so; a
subscriber of everything a viewer can read simply hears nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict, deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nexus.db.engine import Database
from nexus.observability.realtime_events import note_fanned_out
from nexus.realtime.events import MERGED, MediaEvent
from nexus.realtime.subscriber import Subscriber
from nexus.services.media_watch import (
    get_media_readers,
    get_media_statuses,
    list_media_changed_since,
)

__all__ = ["Fanout"]

logger = logging.getLogger("nexus.realtime")

CLOCK_SKEW_SECONDS = 2.0
# After a long outage, subscribers of everything hear of this many changes at most (the
# latest): past that, a client is better served by reading its libraries again.
MAX_CHANGES_REREAD = 1000


@dataclass(frozen=True, slots=True)
class _Join:
    subscriber: Subscriber
    media_id: UUID


@dataclass(frozen=True, slots=True)
class _Resynchronize:
    """Re-read every watched media, and for subscribers of everything the media changed
    since `missed_since`: the listener was away and may have missed events."""

    missed_since: float | None


class Fanout:
    """Subscribers by watched media, and the task that delivers events to them."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._watchers: dict[UUID, set[Subscriber]] = defaultdict(set)
        self._watching: dict[Subscriber, UUID] = {}
        self._everything: set[Subscriber] = set()
        # The status each watched media had when last delivered: a re-read sends only
        # what changed meanwhile.
        self._status: dict[UUID, str | None] = {}
        self._inbox: deque[MediaEvent | _Join | _Resynchronize] = deque()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="nexus-realtime-fanout")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def subscribers(self) -> int:
        return len(self._watching) + len(self._everything)

    def publish(self, event: MediaEvent) -> None:
        self._put(event)

    def resynchronize(self, missed_since: float | None) -> None:
        self._put(_Resynchronize(missed_since))

    def watch(self, subscriber: Subscriber, media_id: UUID) -> None:
        """Deliver the media's state now, then after each change. Registered at once, so
        no change committed after the first read is missed."""
        self._watching[subscriber] = media_id
        self._watchers[media_id].add(subscriber)
        self._put(_Join(subscriber, media_id))

    def watch_everything(self, subscriber: Subscriber) -> None:
        """Deliver every change of any media the viewer can read, from now on."""
        self._everything.add(subscriber)

    def leave(self, subscriber: Subscriber) -> None:
        self._everything.discard(subscriber)
        media_id = self._watching.pop(subscriber, None)
        if media_id is not None:
            watchers = self._watchers[media_id]
            watchers.discard(subscriber)
            if not watchers:
                del self._watchers[media_id]
                self._status.pop(media_id, None)

    def _put(self, item: MediaEvent | _Join | _Resynchronize) -> None:
        self._inbox.append(item)
        self._arrived.set()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._inbox:
                item = self._inbox.popleft()
                try:
                    if isinstance(item, MediaEvent):
                        await self._on_event(item)
                    elif isinstance(item, _Join):
                        await self._join([item, *self._more_joins()])
                    else:
                        await self._resynchronize(item.missed_since)
                except Exception:
                    # A database that went away: the listener reconnects, and the re-read
                    # after it delivers what this item would have.
                    logger.exception("media event fan-out failed for %r", item)

    def _more_joins(self) -> list[_Join]:
        """The subscriptions waiting next in line: answered together (a reconnecting
        client's, or many clients' at once), each distinct (selection, viewer) once."""
        joins: list[_Join] = []
        while self._inbox and isinstance(self._inbox[0], _Join):
            joins.append(self._inbox.popleft())  # type: ignore[arg-type]
        return joins

    async def _join(self, joins: list[_Join]) -> None:
        by_media: dict[UUID, list[Subscriber]] = defaultdict(list)
        for join in joins:
            # One that left, or whose media merged meanwhile, was answered already.
            if self._watching.get(join.subscriber) == join.media_id:
                by_media[join.media_id].append(join.subscriber)
        for media_id, subscribers in by_media.items():
            await self._deliver(media_id, subscribers)

    async def _on_event(self, event: MediaEvent) -> None:
        if event.status == MERGED and event.merged_into is not None:
            moved = self._watchers.pop(event.media_id, set())
            self._status.pop(event.media_id, None)
            for subscriber in moved:
                self._watching[subscriber] = event.merged_into
                self._watchers[event.merged_into].add(subscriber)
            if moved:
                # A survivor merged in turn meanwhile: its own MERGED event moves them on.
                await self._deliver(event.merged_into, list(moved), final=True, unless_gone=True)
            # Subscribers of everything hear of the survivor by its own event.
            return
        watchers = [*self._watchers.get(event.media_id, ()), *self._everything]
        if watchers:
            # Gone since: merged (media go no other way), and its MERGED event follows.
            await self._deliver(event.media_id, watchers, unless_gone=True)

    async def _resynchronize(self, missed_since: float | None) -> None:
        everything = missed_since is not None and bool(self._everything)
        if not self._watchers and not everything:
            return  # nothing to re-read (a first connection, say): no statement
        async with self.database.driver_connection() as connection:
            statuses = await get_media_statuses(
                connection=connection, media_ids=list(self._watchers)
            )
            changed: list[UUID] = []
            if missed_since is not None and everything:
                # Updated by the database's clock: a little earlier covers a skew.
                since = datetime.fromtimestamp(missed_since - CLOCK_SKEW_SECONDS, UTC)
                changed = await list_media_changed_since(
                    connection=connection, since=since, limit=MAX_CHANGES_REREAD
                )
        for media_id in list(self._watchers):
            if statuses.get(media_id) != self._status.get(media_id):
                await self._deliver(media_id, list(self._watchers.get(media_id, ())))
        for media_id in changed:
            await self._deliver(media_id, list(self._everything))

    async def _deliver(
        self,
        media_id: UUID,
        subscribers: list[Subscriber],
        *,
        final: bool = False,
        unless_gone: bool = False,
    ) -> None:
        viewers = list({subscriber.viewer_id for subscriber in subscribers})
        async with self.database.snapshot() as moment:
            async with moment.driver_connection() as connection:
                found = await get_media_readers(
                    connection=connection, media_id=media_id, viewer_ids=viewers
                )
            if found.status is None and unless_gone:
                return
            if media_id in self._watchers:
                self._status[media_id] = found.status
            groups: dict[tuple[Hashable, UUID], list[Subscriber]] = defaultdict(list)
            for subscriber in subscribers:
                if subscriber.viewer_id in found.readers:
                    groups[subscriber.selection, subscriber.viewer_id].append(subscriber)
                elif subscriber in self._watching:
                    subscriber.lose_access()

            async def resolve(group: list[Subscriber]) -> None:
                resolved = await group[0].resolve(media_id, moment)
                # One that left while the group was resolved hears nothing more.
                reached = [s for s in group if s in self._watching or s in self._everything]
                for subscriber in reached:
                    subscriber.receive(resolved, found.status, final=final)
                note_fanned_out(len(reached))

            await asyncio.gather(*(resolve(group) for group in groups.values()))
