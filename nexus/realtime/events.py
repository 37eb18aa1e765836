"""The payload `nexus.services.media_events` commits with each processing transition."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from uuid import UUID

__all__ = ["MERGED", "MediaEvent", "parse_media_event"]

logger = logging.getLogger("nexus.realtime")

# The status of a media item merged into another and deleted: `merged_into` names it.
MERGED = "merged"


@dataclass(frozen=True, slots=True)
class MediaEvent:
    """A media item's processing state changed (or, `status` None, it is gone)."""

    media_id: UUID
    status: str | None
    merged_into: UUID | None = None


def parse_media_event(payload: str) -> MediaEvent | None:
    """The event of a notification's payload; None (logged) for one we cannot read, which
    only a foreign NOTIFY on our channel could send."""
    try:
        raw = json.loads(payload)
        merged_into = raw.get("merged_into")
        return MediaEvent(
            UUID(raw["media_id"]),
            str(raw["status"]),
            UUID(merged_into) if merged_into is not None else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        logger.warning("ignoring an unreadable media event: %.200r", payload)
        return None
