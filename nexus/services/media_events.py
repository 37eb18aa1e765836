"""A media item's processing state changed: the NOTIFY each transition commits with.

Subscribers in any API process learn of the change from PostgreSQL (LISTEN on
`MEDIA_EVENTS_CHANNEL`); the notification is sent when, and only if, the transaction that
made the change commits. The payload names the media and where it went; readers re-read
the row, so a notification never carries what only some viewers may see.
"""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["MEDIA_EVENTS_CHANNEL", "notify_media_changed"]

MEDIA_EVENTS_CHANNEL = "nexus_media_events"


async def notify_media_changed(
    *, session: AsyncSession, media_id: UUID, status: str, merged_into: UUID | None = None
) -> None:
    """Queue the change's notification in the session's transaction."""
    payload = {"media_id": str(media_id), "status": status}
    if merged_into is not None:
        payload["merged_into"] = str(merged_into)
    await session.execute(select(func.pg_notify(MEDIA_EVENTS_CHANNEL, json.dumps(payload))))
