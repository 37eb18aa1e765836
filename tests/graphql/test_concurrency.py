"""Concurrent changes through the real pool, committing for real (`committed_api`)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from tests.factories import create_media, default_library_id, library_media_ids
from tests.graphql.operations import (
    add_media,
    add_member,
    codes,
    create_library,
    update_role,
)


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


async def test_sibling_fields_load_concurrently_on_their_own_connections(
    committed_api, engine
) -> None:
    api = committed_api
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    async with engine.begin() as connection:
        media_ids = [await create_media(connection, fragment_count=3) for _ in range(4)]
    for media_id in media_ids:
        await add_media(api, owner, library["uuid"], media_id)
    bodies = await asyncio.gather(*(api.gql(SIBLINGS, user=user) for user in [owner, member] * 8))
    assert all("errors" not in body for body in bodies), bodies
    for body in bodies:
        viewer = body["data"]["viewer"]
        assert viewer["defaultLibrary"]["media"]["totalCount"] == 4
        assert viewer["libraries"]["totalCount"] == 2
