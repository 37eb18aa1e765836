"""A deterministic data set for load runs, inserted with SQL in a few bulk statements.

Users with their default library and 0-4 more; about a third of those shared with 1-3
other users as members; media with 1-8 fragments of about 1 KB sanitized HTML; each
non-default library holding 0-60 media; and the default-library closure (every media of
every library a user belongs to is in their default library), as the domain keeps it.
A tenth of the media carry about 50 highlights each, spread over the users whose default
library holds them (several, for media of shared libraries), so every holder of a
highlighted media item has highlights of their own on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.db.tables import (
    fragments,
    highlights,
    libraries,
    library_media,
    media,
    memberships,
    users,
)

__all__ = ["Dataset", "seed_dataset"]

CHUNK = 5000
PARAGRAPH = (
    "<p>Reading is <em>thinking</em> with someone else's head instead of one's own; "
    "the notes in the margin are where the two meet. <strong>Highlight</strong> what "
    "surprises you, and <code>link</code> it to what you already know.</p>"
)


@dataclass
class Dataset:
    """What the load run needs to know about the seeded rows."""

    users: list[UUID]
    default_library: dict[UUID, UUID]
    # Non-default libraries each user owns (the run adds the ones it creates).
    owned: dict[UUID, list[UUID]]
    # Up to 20 media of each user's default library: readable by that user.
    readable: dict[UUID, list[UUID]]
    media: list[UUID]
    library_media: dict[UUID, set[UUID]] = field(default_factory=dict)


HIGHLIGHTED_SHARE = 0.1
HIGHLIGHTS_PER_MEDIA = 50
# Every range of "Paragraph N." (12 code points): distinct per author and fragment.
_RANGES = [(start, end) for start in range(12) for end in range(start + 1, 13)]


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def _highlight_rows(
    rng: random.Random,
    fragment_rows: list[dict[str, object]],
    holders: dict[UUID, list[UUID]],
) -> list[dict[str, object]]:
    """About 50 highlights on each of a tenth of the media, by (up to 5 of) the users
    holding them, each range once per author and fragment."""
    by_media: dict[object, list[object]] = {}
    for row in fragment_rows:
        by_media.setdefault(row["media_id"], []).append(row["id"])
    unused: dict[tuple[object, UUID], list[tuple[int, int]]] = {}
    rows: list[dict[str, object]] = []
    for item in sorted(holders):
        if not holders[item] or rng.random() >= HIGHLIGHTED_SHARE:
            continue
        authors = holders[item][:5]
        for n in range(HIGHLIGHTS_PER_MEDIA):
            author, fragment = authors[n % len(authors)], rng.choice(by_media[item])
            left = unused.setdefault((fragment, author), rng.sample(_RANGES, len(_RANGES)))
            start, end = left.pop()
            note = "A note in the margin." if start % 3 == 0 else None
            rows.append(
                {
                    "fragment_id": fragment,
                    "author_user_id": author,
                    "start_offset": start,
                    "end_offset": end,
                    "note": note,
                }
            )
    return rows


async def _insert(
    connection: AsyncConnection, table: object, rows: list[dict[str, object]]
) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(table), rows[start : start + CHUNK])  # type: ignore[arg-type]


async def seed_dataset(
    connection: AsyncConnection, *, user_count: int = 300, media_count: int = 3000, seed: int = 9
) -> Dataset:
    """Insert the data set on `connection` (the caller commits) and describe it."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    user_ids = [_uuid(rng) for _ in range(user_count)]
    defaults = {user: _uuid(rng) for user in user_ids}
    owned = {user: [_uuid(rng) for _ in range(rng.randint(0, 4))] for user in user_ids}
    owner_of = {library: user for user, ids in owned.items() for library in ids}
    members = {library: {owner: "admin"} for library, owner in owner_of.items()}
    for library, owner in owner_of.items():
        if rng.random() < 0.3:
            others = rng.sample([u for u in user_ids if u != owner], rng.randint(1, 3))
            members[library].update(dict.fromkeys(others, "member"))
    media_ids = [_uuid(rng) for _ in range(media_count)]
    held = {library: set(rng.sample(media_ids, rng.randint(0, 60))) for library in owner_of}
    in_default = {user: set(rng.sample(media_ids, rng.randint(0, 20))) for user in user_ids}
    for library, library_members in members.items():
        for member in library_members:
            in_default[member] |= held[library]

    await _insert(connection, users, [{"id": user} for user in user_ids])
    await _insert(
        connection,
        libraries,
        [
            *(
                {"id": lib, "owner_user_id": u, "name": "My Library", "is_default": True}
                for u, lib in defaults.items()
            ),
            *(
                {"id": lib, "owner_user_id": u, "name": f"Shelf {lib.hex[:6]}", "is_default": False}
                for lib, u in owner_of.items()
            ),
        ],
    )
    await _insert(
        connection,
        memberships,
        [
            *({"library_id": lib, "user_id": u, "role": "admin"} for u, lib in defaults.items()),
            *(
                {"library_id": lib, "user_id": u, "role": role}
                for lib, roles in members.items()
                for u, role in roles.items()
            ),
        ],
    )
    await _insert(
        connection,
        media,
        [
            {
                "id": item,
                "kind": "web_article",
                "title": f"Article {i}",
                "canonical_source_url": f"https://example.org/articles/{i}",
                "processing_status": "ready_for_reading",
            }
            for i, item in enumerate(media_ids)
        ],
    )
    fragment_rows: list[dict[str, object]] = [
        {
            "media_id": item,
            "idx": idx,
            "canonical_text": f"Paragraph {idx}.",
            "html_sanitized": PARAGRAPH * 3,
        }
        for item in media_ids
        for idx in range(rng.randint(1, 8))
    ]
    # Highlights draw from generators of their own: the rest of the data set stays as it was.
    fragment_ids = random.Random(seed + 1)  # noqa: S311
    for row in fragment_rows:
        row["id"] = _uuid(fragment_ids)
    await _insert(connection, fragments, fragment_rows)
    holders: dict[UUID, list[UUID]] = {item: [] for item in media_ids}
    for user in user_ids:
        for item in sorted(in_default[user]):
            holders[item].append(user)
    highlight_rng = random.Random(seed + 2)  # noqa: S311
    await _insert(connection, highlights, _highlight_rows(highlight_rng, fragment_rows, holders))
    holdings = {**held, **{defaults[u]: items for u, items in in_default.items()}}
    await _insert(
        connection,
        library_media,
        [
            {"library_id": lib, "media_id": item}
            for lib, items in holdings.items()
            for item in items
        ],
    )
    return Dataset(
        users=user_ids,
        default_library=defaults,
        owned=owned,
        readable={u: sorted(items)[:20] for u, items in in_default.items()},
        media=media_ids,
        library_media=held,
    )
