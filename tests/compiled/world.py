"""A seeded world for differential tests: four users, shared libraries, media with
fragments, and the global ids and cursors that point into it (and some that do not)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import add_media, add_member, create_library
from tests.helpers import Api

CURSORS = """{ viewer {
  libraries(first: 20) { edges { cursor node {
    members(first: 10) { edges { cursor } }
    media(first: 20) { edges { cursor node {
      fragments(first: 10) { edges { cursor } }
      highlights(first: 5, mine: false) { edges { cursor } }
    } } }
  } } }
} }"""


@dataclass
class World:
    users: list[UUID]
    ids: list[str] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def seed(api: Api, connection: AsyncConnection) -> World:
    """Users a, b, c, d: a shares a library with b, b one with a and c, d is alone;
    media in default and shared libraries (one unreadable by anyone), fragments 0-5."""
    a, b, c, d = [await api.new_user() for _ in range(4)]
    world = World([a, b, c, d])
    shared_ab = await create_library(api, a, "Shared AB")
    shared_abc = await create_library(api, b, "Shared ABC")
    solo = await create_library(api, a, "Solo A")
    await add_member(api, a, shared_ab["uuid"], b)
    await add_member(api, b, shared_abc["uuid"], a, "ADMIN")
    await add_member(api, b, shared_abc["uuid"], c)
    start = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    media_ids: list[UUID] = []
    for i in range(9):
        media_id = await create_media(
            connection,
            title=f'Article {i} "quoted" \\ ünïcode ✓',
            kind=["web_article", "pdf", "video"][i % 3],
            url=None if i % 4 == 0 else f"https://example.org/{i}",
            status=["ready_for_reading", "pending", "failed"][i % 3],
            fragment_count=i % 6,
        )
        media_ids.append(media_id)
        await _saved_by(connection, media_id, [a, None, c, d][i % 4], i)
    for i, media_id in enumerate(media_ids[:6]):
        target = [shared_ab, shared_abc, solo][i % 3]
        owner = b if target is shared_abc else a
        await add_media(api, owner, target["uuid"], media_id)
    # Same added-at instants on purpose: the media id breaks the tie.
    for user in (c, d):
        default = await default_library_id(connection, user)
        for i, media_id in enumerate(media_ids[5:8]):
            await put_media(connection, default, media_id, added_at=start + timedelta(i // 2))
    libraries = [shared_ab["uuid"], shared_abc["uuid"], solo["uuid"]]
    libraries += [str(await default_library_id(connection, user)) for user in world.users]
    fragment_ids = (
        await connection.exec_driver_sql("SELECT id FROM fragments ORDER BY idx LIMIT 12")
    ).scalars()
    highlight_ids = await _highlights(connection, world.users, start)
    world.ids = [
        *(global_id("User", user) for user in world.users),
        *(global_id("Library", UUID(library)) for library in libraries),
        *(global_id("Media", media_id) for media_id in media_ids),
        *(global_id("Fragment", fragment) for fragment in fragment_ids),
        *(global_id("Highlight", highlight) for highlight in highlight_ids),
        global_id("Highlight", uuid4()),
        global_id("Membership", UUID(shared_ab["uuid"]), b),
        global_id("Membership", UUID(shared_abc["uuid"]), c),
        global_id("Membership", UUID(libraries[3]), a),
        global_id("Media", uuid4()),
        global_id("Library", uuid4()),
        _b64("Library:not-a-uuid"),
        _b64("Unknown:" + str(uuid4())),
        _b64(f"Membership:{uuid4()}"),
        "not base64!",
        "",
    ]
    for user in (a, b):
        body = await api.data(CURSORS, user=user)
        world.cursors += sorted(set(_cursors(body)))[:12]
    world.cursors += ["", "bm9wZQ==", _b64("fragments:99999999999"), _b64("libraries:x:y")]
    world.cursors += [_b64("media_highlights:0:0:1:0:x"), _b64("fragment_highlights:-1:2:0:")]
    return world


async def _saved_by(
    connection: AsyncConnection, media_id: UUID, creator: UUID | None, i: int
) -> None:
    """What saving and processing fill in: the creator (visible to some viewers, not to
    others), the extracted facts, and a failed item's error."""
    await connection.exec_driver_sql(
        "UPDATE media SET created_by_user_id = %s, requested_url = canonical_source_url, "
        "author = %s, language = %s, excerpt = %s, word_count = %s, published_at = %s, "
        "processing_attempts = %s, "
        "processing_error_code = CASE WHEN processing_status = 'failed' "
        "THEN 'E_INGEST_TIMEOUT' END, "
        "processing_error_message = CASE WHEN processing_status = 'failed' "
        "THEN 'The page took longer than 20 s. « ✓ »' END WHERE id = %s",
        (
            creator,
            None if i % 2 else f"Author {i}",
            ["en", None, "de-CH"][i % 3],
            None if i % 3 == 1 else f'An excerpt, {i} "quoted".',
            i * 7,
            datetime(2025, 5, 1 + i, 6, 30, tzinfo=UTC) if i % 2 == 0 else None,
            i % 4,
            media_id,
        ),
    )


async def _highlights(
    connection: AsyncConnection, users: list[UUID], start: datetime
) -> list[UUID]:
    """Every user highlights every fragment their default library holds (the closure
    puts shared media there): overlapping ranges, all colours, notes or none, and some
    created at one instant (the id breaks the tie); the trigger keeps them in range."""
    inserted = await connection.exec_driver_sql(
        "INSERT INTO highlights (fragment_id, author_user_id, start_offset, end_offset, color,"
        " note, created_at) "
        "SELECT f.id, m.user_id, r.s, least(r.e, char_length(f.canonical_text)),"
        " (ARRAY['yellow','green','blue','pink','purple'])[1 + mod(f.idx + r.s, 5)],"
        " CASE WHEN mod(r.s, 2) = 0 THEN 'A note « ✓ » \"quoted\" 😀' END,"
        " %s + make_interval(secs => mod(r.s, 3)) "
        "FROM memberships m JOIN libraries l ON l.id = m.library_id AND l.is_default "
        "JOIN library_media lm ON lm.library_id = l.id "
        "JOIN fragments f ON f.media_id = lm.media_id "
        "CROSS JOIN (VALUES (0, 4), (2, 9), (0, 3), (5, 40)) AS r(s, e) "
        "WHERE m.user_id = ANY(%s) RETURNING id",
        (start, users),
    )
    return sorted(inserted.scalars())[:12]


def _cursors(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["cursor"]] if isinstance(value.get("cursor"), str) else []
        return found + [c for v in value.values() for c in _cursors(v)]
    if isinstance(value, list):
        return [c for v in value for c in _cursors(v)]
    return []
