"""The domain's invariants, checked with SQL over the whole database (fuzzing, load runs).

1. Every user has exactly one default library.
2. Every library has its owner as an admin member.
3. Default library closure: for every library L and member U of L, every media item of L
   is in U's default library. domain.md makes one deliberate exception: a user who
   removes M from their default library keeps M in shared libraries; callers that let
   that happen pass those (user, media) pairs as `closure_exemptions`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["InvariantViolations", "find_invariant_violations"]

# Enough to say what broke; a broken invariant on a large database could list millions.
SAMPLE = 100

_USERS_WITHOUT_ONE_DEFAULT = text(
    """
    SELECT u.id FROM users u
    WHERE (SELECT count(*) FROM libraries l WHERE l.owner_user_id = u.id AND l.is_default) <> 1
    LIMIT :sample
    """
)
_LIBRARIES_WITHOUT_ADMIN_OWNER = text(
    """
    SELECT l.id FROM libraries l
    WHERE NOT EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.library_id = l.id AND m.user_id = l.owner_user_id AND m.role = 'admin'
    )
    LIMIT :sample
    """
)
_CLOSURE_GAPS = text(
    """
    SELECT m.library_id, m.user_id, lm.media_id
    FROM memberships m
    JOIN library_media lm ON lm.library_id = m.library_id
    JOIN libraries d ON d.owner_user_id = m.user_id AND d.is_default
    WHERE NOT EXISTS (
        SELECT 1 FROM library_media x WHERE x.library_id = d.id AND x.media_id = lm.media_id
    )
    LIMIT :sample
    """
)


@dataclass(frozen=True, slots=True)
class InvariantViolations:
    """Up to `SAMPLE` offenders per invariant; all empty when every invariant holds."""

    users_without_one_default_library: list[UUID] = field(default_factory=list)
    libraries_without_admin_owner: list[UUID] = field(default_factory=list)
    # (library, member, media): the media is in the library but not in the member's default.
    closure_gaps: list[tuple[UUID, UUID, UUID]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.users_without_one_default_library
            or self.libraries_without_admin_owner
            or self.closure_gaps
        )


async def find_invariant_violations(
    *,
    connection: AsyncConnection,
    closure_exemptions: Collection[tuple[UUID, UUID]] = (),
) -> InvariantViolations:
    """What breaks the invariants now, if anything. `closure_exemptions` holds (user,
    media) pairs the user removed from their own default library."""
    parameters = {"sample": SAMPLE}
    users = list((await connection.execute(_USERS_WITHOUT_ONE_DEFAULT, parameters)).scalars())
    owners = list((await connection.execute(_LIBRARIES_WITHOUT_ADMIN_OWNER, parameters)).scalars())
    exempt = set(closure_exemptions)
    gaps = [
        (row.library_id, row.user_id, row.media_id)
        for row in await connection.execute(_CLOSURE_GAPS, {"sample": SAMPLE + len(exempt)})
        if (row.user_id, row.media_id) not in exempt
    ]
    return InvariantViolations(users, owners, gaps[:SAMPLE])
