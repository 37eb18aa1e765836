"""The process's one LISTEN connection on the media events channel.

It lives outside the pools (a pooled connection is handed to other work and would lose
its LISTEN), reconnects with capped exponential backoff when PostgreSQL goes away, and
says so after each reconnect: notifications sent while it was away are lost, so whoever
fans them out must re-read what its subscribers watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from nexus.realtime.events import MediaEvent, parse_media_event
from nexus.services.media_events import MEDIA_EVENTS_CHANNEL

__all__ = ["APPLICATION_NAME", "MediaEventListener"]

logger = logging.getLogger("nexus.realtime")

# How the listener's backend shows in pg_stat_activity (operators and tests find it).
APPLICATION_NAME = "nexus-realtime-listener"
FIRST_RETRY_SECONDS = 0.1
LONGEST_RETRY_SECONDS = 5.0


class MediaEventListener:
    """LISTENs on `nexus_media_events` until stopped; each event goes to `on_event`,
    and `on_reconnect` is called each time it is listening (again), with the last time
    (epoch seconds) the previous connection was known to be listening: what committed
    after it may have been missed. None on the first connection."""

    def __init__(
        self,
        conninfo: str,
        *,
        on_event: Callable[[MediaEvent], None],
        on_reconnect: Callable[[float | None], None],
    ) -> None:
        self.conninfo = conninfo
        self.on_event = on_event
        self.on_reconnect = on_reconnect
        self.connected = asyncio.Event()
        self.reconnects = 0
        # Notifications arrive in commit order: nothing committed before the last one
        # heard (or the LISTEN) was missed.
        self.last_heard: float | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="nexus-realtime-listener")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                async with await self._connect() as connection:
                    listen = sql.SQL("LISTEN {}").format(sql.Identifier(MEDIA_EVENTS_CHANNEL))
                    await connection.execute(listen)
                    self.connected.set()
                    delay = FIRST_RETRY_SECONDS
                    missed_since, self.last_heard = self.last_heard, time.time()
                    # The first connection too: subscribers may have read their media's
                    # state before anything was listening.
                    self.on_reconnect(missed_since)
                    await self._listen(connection)
            except (psycopg.OperationalError, OSError) as error:
                if self.connected.is_set():
                    logger.warning("media events listener lost its connection: %s", error)
                self.connected.clear()
                self.reconnects += 1
            # Jittered, so the API processes do not all reconnect in the same instant.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (not crypto)
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, application_name=APPLICATION_NAME, connect_timeout=5
        )

    async def _listen(self, connection: psycopg.AsyncConnection[Any]) -> None:
        async for notification in connection.notifies():
            self.last_heard = time.time()
            event = parse_media_event(notification.payload)
            if event is not None:
                self.on_event(event)
