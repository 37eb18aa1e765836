"""The count of media events the realtime fan-out delivers, for `nexus.realtime` to note.

It imports nothing of prometheus-client: the fan-out calls `note_fanned_out` whether
metrics are on or not, and the call records only once the API's metrics set a recorder.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["note_fanned_out", "record_fanned_out_with"]

_record: Callable[[int], None] | None = None


def note_fanned_out(deliveries: int) -> None:
    """Count `deliveries` events handed to subscribers (one per subscriber reached)."""
    if _record is not None:
        _record(deliveries)


def record_fanned_out_with(record: Callable[[int], None]) -> None:
    """Where notes go from now on in this process (the metrics' counter)."""
    global _record  # noqa: PLW0603 - one recorder per process, set once at start
    _record = record
