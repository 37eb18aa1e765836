"""Concurrent changes through the real pool, committing for real (`committed_api`)."""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from nexus.app import create_app
from nexus.config import Settings
from tests.factories import create_media, default_library_id, library_media_ids
from tests.graphql.operations import (
    add_media,
    add_member,
    codes,
    create_library,
    update_role,
)
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider


async def _admins(engine, library_id) -> set[str]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT user_id FROM memberships WHERE library_id = :l AND role = 'admin'"),
            {"l": library_id},
        )
        return {str(row.user_id) for row in result}


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    committed_api, engine
) -> None:
    api = committed_api
    owner, a, b = await api.new_user(), await api.new_user(), await api.new_user()
    library = await create_library(api, owner, "Contested")
    await add_member(api, owner, library["uuid"], a, "ADMIN")
    await add_member(api, owner, library["uuid"], b, "ADMIN")
    # Leave A and B as the only admins (the owner's membership is gone), so that only the
    # library lock stands between two crossing demotions and a library without admins.
    async with engine.begin() as connection:
        await connection.execute(
            text("DELETE FROM memberships WHERE library_id = :l AND user_id = :u"),
            {"l": library["uuid"], "u": owner},
        )
    for _ in range(50):
        results = await asyncio.gather(
            update_role(api, a, library["uuid"], b, "MEMBER"),
            update_role(api, b, library["uuid"], a, "MEMBER"),
        )
        outcomes = sorted(tuple(codes(body)) for body in results)
        # One demotion wins; the other finds its author no longer an admin.
        assert outcomes in ([(), ("E_FORBIDDEN",)], [(), ("E_LAST_ADMIN_FORBIDDEN",)]), results
        assert len(await _admins(engine, library["uuid"])) == 1
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE memberships SET role = 'admin' WHERE library_id = :l"),
                {"l": library["uuid"]},
            )


async def test_concurrent_adds_of_one_media_to_one_library_create_one_row(
    committed_api, engine
) -> None:
    api = committed_api
    owner = await api.new_user()
    library = await create_library(api, owner)
    async with engine.begin() as connection:
        media_id = await create_media(connection)
    results = await asyncio.gather(
        *(add_media(api, owner, library["uuid"], media_id) for _ in range(12))
    )
    assert all("errors" not in body for body in results), results
    assert len({body["data"]["addMediaToLibrary"]["addedAt"] for body in results}) == 1
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT count(*) FROM library_media WHERE library_id = :l AND media_id = :m"),
            {"l": library["uuid"], "m": media_id},
        )
        assert rows.scalar_one() == 1
        default = await default_library_id(connection, owner)
        assert await library_media_ids(connection, default) == {media_id}


async def test_a_member_added_while_media_arrives_still_gets_it_in_their_default_library(
    committed_api, engine
) -> None:
    api = committed_api
    owner = await api.new_user()
    newcomers = [await api.new_user() for _ in range(10)]
    library = await create_library(api, owner)
    async with engine.begin() as connection:
        media_ids = [await create_media(connection) for _ in newcomers]
    await asyncio.gather(
        *(add_member(api, owner, library["uuid"], user) for user in newcomers),
        *(add_media(api, owner, library["uuid"], media_id) for media_id in media_ids),
    )
    async with engine.connect() as connection:
        for user in newcomers:
            default = await default_library_id(connection, user)
            assert await library_media_ids(connection, default) == set(media_ids)


SIBLINGS = """{ viewer {
  user { id }
  defaultLibrary { name members(first: 1) { totalCount } media(first: 5) { totalCount edges { node {
    title fragments(first: 2) { totalCount } libraries(first: 5) { totalCount } } } } }
  libraries(first: 10) { totalCount edges { node { name owner { uuid }
    members(first: 10) { totalCount } media(first: 3) { totalCount edges { node { uuid } } } } } }
} }"""


class WireTimeline:
    """libpq's timestamped trace of every connection of a read pool: when each statement
    was sent and when its connection was ready again."""

    MESSAGE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\t([FB])\t\d+\t(\w+)")

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: list[IO[str]] = []

    def attach(self, driver: Any) -> None:
        sink = (self.directory / f"read-{len(self.files)}.trace").open("w")
        self.files.append(sink)
        driver.pgconn.trace(sink.fileno())

    def statements(self) -> list[tuple[int, datetime, datetime]]:
        """(connection, sent, answered) of every statement answered so far."""
        found = []
        for number in range(len(self.files)):
            sent: datetime | None = None
            for line in (self.directory / f"read-{number}.trace").read_text().splitlines():
                message = self.MESSAGE.match(line)
                if message is None:  # the rest of a multi-line SQL text
                    continue
                at = datetime.fromisoformat(message[1])
                if message[2] == "F" and sent is None:
                    sent = at
                elif message[3] == "ReadyForQuery" and sent is not None:
                    found.append((number, sent, at))
                    sent = None
        return found


def overlap(statements: list[tuple[int, datetime, datetime]]) -> bool:
    """Whether two statements on different connections were in flight at once."""
    return any(
        a[0] != b[0] and a[1] < b[2] and b[1] < a[2]
        for a, b in itertools.combinations(statements, 2)
    )


async def test_sibling_fields_load_concurrently_on_their_own_connections(
    settings: Settings, identity: IdentityProvider, engine, tmp_path: Path
) -> None:
    # The resolver path: the compiled path answers the query in one statement.
    app = create_app(settings.model_copy(update={"nexus_compiled_reads": False}))
    timeline = WireTimeline(tmp_path)
    app.app.state.database.read_pool.on_connect.append(timeline.attach)  # type: ignore[attr-defined]
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            owner, member = await api.new_user(), await api.new_user()
            library = await create_library(api, owner)
            await add_member(api, owner, library["uuid"], member)
            async with engine.begin() as connection:
                media_ids = [await create_media(connection, fragment_count=3) for _ in range(4)]
            for media_id in media_ids:
                await add_media(api, owner, library["uuid"], media_id)
            for _ in range(3):  # one request at a time: its statements are its own
                before = set(timeline.statements())
                body = await api.gql(SIBLINGS, user=owner)
                assert "errors" not in body, body
                sent = [s for s in timeline.statements() if s not in before]
                assert len({number for number, _, _ in sent}) >= 2, sent
                assert overlap(sent), sent
            bodies = await asyncio.gather(
                *(api.gql(SIBLINGS, user=user) for user in [owner, member] * 8)
            )
    finally:
        for sink in timeline.files:
            sink.close()
        await truncate_everything(engine)
    assert all("errors" not in body for body in bodies), bodies
    for body in bodies:
        viewer = body["data"]["viewer"]
        assert viewer["defaultLibrary"]["media"]["totalCount"] == 4
        assert viewer["libraries"]["totalCount"] == 2
