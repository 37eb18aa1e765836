"""A viewer deleted after this process ensured them: noticed when an operation of theirs
fails, ensured again, and the operation run once more.

Identity costs a known user no statement (`EnsuredUsers`), so a process cannot see that a
user was deleted (their libraries and memberships go with them) until an operation of
theirs trips over it: a foreign key to the missing users row, the viewer's row or default
library not found. Such failures are not typed errors, so an operation failing with an
error that is not a NexusError is the cue to look (one read, on that path only).

A query is always safe to run again. A mutation is run again only when no root field
answered: a viewer with no rows is a member of no library, so each mutation of theirs
either failed before writing (not found, forbidden) or rolled its transaction back on
the foreign key; one that answered may have written, and is not repeated (the viewer is
ensured again all the same, so their next request works).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from graphql import ExecutionResult, OperationType

from nexus.errors import NexusError
from nexus.services.users import EnsuredUsers

__all__ = ["execute_for_viewer"]

logger = logging.getLogger("nexus.identity")


async def execute_for_viewer(
    run: Callable[[], Awaitable[ExecutionResult]],
    *,
    kind: OperationType,
    viewer_id: UUID,
    users: EnsuredUsers,
) -> ExecutionResult:
    """`run()`'s result; run a second time when it failed because the viewer was gone
    and has been ensured again (`run` must start from a fresh request context)."""
    started = time.monotonic()
    result = await run()
    if (
        _failed_unexpectedly(result)
        and await _recovered(users, viewer_id, started)
        and (kind is not OperationType.MUTATION or _nothing_answered(result))
    ):
        result = await run()
    return result


async def _recovered(users: EnsuredUsers, viewer_id: UUID, started: float) -> bool:
    try:
        return await users.recover(viewer_id, failed_since=started)
    except Exception:
        # Looking is a second chance, not a step of the request: failing to look (the
        # database gone meanwhile) must not replace the answer the operation gave.
        logger.warning("could not look for viewer %s after a failure", viewer_id, exc_info=True)
        return False


def _failed_unexpectedly(result: ExecutionResult) -> bool:
    return any(not isinstance(error.original_error, NexusError) for error in result.errors or ())


def _nothing_answered(result: ExecutionResult) -> bool:
    return result.data is None or all(value is None for value in result.data.values())
