"""Opaque page cursors: base64 of "<list>:<sort key parts>" (standard alphabet, padded).

A cursor is the sort key of the row it stands for, not an offset, so the next page stays
right while rows are added. Timestamps are integer microseconds since the Unix epoch
(exactly PostgreSQL's precision); ids are uuids; fragment positions are integers. The
list name keeps a cursor of one list from being taken for another's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from nexus.errors import ErrorCode, NexusError

__all__ = [
    "FRAGMENTS",
    "FRAGMENT_HIGHLIGHTS",
    "LIBRARIES",
    "LIBRARY_MEDIA",
    "MEDIA_HIGHLIGHTS",
    "MEMBERS",
    "CursorKind",
    "encode_timestamp",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INT4 = range(-(2**31), 2**31)


def encode_timestamp(value: datetime) -> str:
    return str((value - _EPOCH) // _MICROSECOND)


def _timestamp(part: str) -> datetime:
    return _EPOCH + int(part) * _MICROSECOND


def _int4(part: str) -> int:
    value = int(part)
    if value not in _INT4:
        raise ValueError(part)
    return value


@dataclass(frozen=True, slots=True)
class CursorKind:
    """The cursors of one list: its name and how each part of its sort key is read."""

    name: str
    parts: tuple[Callable[[str], Any], ...]

    def encode(self, *parts: object) -> str:
        raw = ":".join([self.name, *map(str, parts)])
        return binascii.b2a_base64(raw.encode(), newline=False).decode("ascii")

    def decode(self, cursor: str) -> tuple[Any, ...]:
        """The sort key a cursor of this list stands for; E_INVALID_REQUEST otherwise."""
        try:
            raw = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
            name, *parts = raw.split(":")
            if name != self.name or len(parts) != len(self.parts):
                raise ValueError(raw)
            return tuple(read(part) for read, part in zip(self.parts, parts, strict=True))
        except (ValueError, UnicodeError, binascii.Error, OverflowError):
            raise NexusError(
                ErrorCode.E_INVALID_REQUEST, f"Invalid cursor for this list: {cursor[:80]!r}."
            ) from None


# Viewer.libraries and Media.libraries: libraries.created_at asc, id asc.
LIBRARIES = CursorKind("libraries", (_timestamp, UUID))
# Library.media: library_media.created_at desc, media id desc.
LIBRARY_MEDIA = CursorKind("library_media", (_timestamp, UUID))
# Library.members: memberships.created_at asc, user id asc.
MEMBERS = CursorKind("members", (_timestamp, UUID))
# Media.fragments: idx asc.
FRAGMENTS = CursorKind("fragments", (_int4,))
# Fragment.highlights: start offset, end offset, created_at, id, all asc.
FRAGMENT_HIGHLIGHTS = CursorKind("fragment_highlights", (_int4, _int4, _timestamp, UUID))
# Media.highlights: fragment idx, then as Fragment.highlights.
MEDIA_HIGHLIGHTS = CursorKind("media_highlights", (_int4, _int4, _int4, _timestamp, UUID))
