"""Lazy users (nexus/services/users.py): the first authenticated request creates the user,
the default library and the owner's admin membership, once, even under a race."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nexus.config import Settings
from nexus.db.tables import libraries, memberships, users
from tests.auth.apps import assert_viewer, serve
from tests.graphql.operations import CREATE_LIBRARY
from tests.helpers import Api, StatementCounter
from tests.identity import IdentityProvider

TYPENAME = "{ __typename }"


async def identity_rows(connection: AsyncConnection, user: UUID) -> dict[str, list[tuple]]:
    """What exists for `user`: users rows, owned libraries, memberships."""
    user_rows = await connection.execute(select(users.c.id).where(users.c.id == user))
    library_rows = await connection.execute(
        select(libraries.c.id, libraries.c.name, libraries.c.is_default).where(
            libraries.c.owner_user_id == user
        )
    )
    membership_rows = await connection.execute(
        select(memberships.c.library_id, memberships.c.role).where(memberships.c.user_id == user)
    )
    return {
        "users": [tuple(row) for row in user_rows],
        "libraries": [tuple(row) for row in library_rows],
        "memberships": [tuple(row) for row in membership_rows],
    }


def assert_one_of_each(rows: dict[str, list[tuple]], user: UUID) -> None:
    assert rows["users"] == [(user,)]
    [(library_id, name, is_default)] = rows["libraries"]
    assert (name, is_default) == ("My Library", True)
    assert rows["memberships"] == [(library_id, "admin")]


async def test_first_request_creates_user_default_library_and_admin_membership(
    api: Api, connection: AsyncConnection
) -> None:
    user = uuid4()
    nothing: dict[str, list[tuple]] = {"users": [], "libraries": [], "memberships": []}
    assert await identity_rows(connection, user) == nothing
    await api.data(TYPENAME, user=user)
    assert_one_of_each(await identity_rows(connection, user), user)


async def test_concurrent_first_requests_create_exactly_one_of_each(
    committed_api: Api, engine: AsyncEngine
) -> None:
    user = uuid4()
    responses = await asyncio.gather(
        *(committed_api.post("{ viewer { user { uuid } } }", user=user) for _ in range(20))
    )
    for response in responses:
        assert_viewer(response, user)
    async with engine.connect() as connection:
        assert_one_of_each(await identity_rows(connection, user), user)


async def test_missing_owner_membership_is_repaired(
    api: Api,
    settings: Settings,
    identity: IdentityProvider,
    connection: AsyncConnection,
    tmp_path: Path,
) -> None:
    user = await api.new_user()
    await connection.execute(delete(memberships).where(memberships.c.user_id == user))
    # A process that has not met this user yet (a restart, another worker) repairs it.
    async with serve(settings, connection, identity) as restarted:
        await restarted.data(TYPENAME, user=user)
    assert_one_of_each(await identity_rows(connection, user), user)


async def test_first_request_costs_a_lookup_and_three_statements_for_identity(
    api: Api, statements: StatementCounter
) -> None:
    statements.reset()
    await api.data(TYPENAME, user=uuid4())
    assert [s.split()[:3] for s in statements.statements] == [
        ["SELECT", "EXISTS", "(SELECT"],
        ["INSERT", "INTO", "users"],
        ["INSERT", "INTO", "libraries"],
        ["INSERT", "INTO", "memberships"],
    ]


async def test_known_user_costs_no_statement_for_identity(
    api: Api, statements: StatementCounter
) -> None:
    user = await api.new_user()
    statements.reset()
    await api.data(TYPENAME, user=user)
    assert statements.count == 0


async def test_existing_user_costs_a_new_process_one_lookup_once(
    api: Api,
    settings: Settings,
    identity: IdentityProvider,
    connection: AsyncConnection,
    statements: StatementCounter,
) -> None:
    user = await api.new_user()
    async with serve(settings, connection, identity) as restarted:
        statements.reset()
        await restarted.data(TYPENAME, user=user)
        # One read finds the user, library and membership in place; then it is known.
        assert statements.count == 1
        statements.reset()
        await restarted.data(TYPENAME, user=user)
        assert statements.count == 0
    assert_one_of_each(await identity_rows(connection, user), user)


VIEWER = "{ viewer { user { uuid } defaultLibrary { name isDefault } } }"


async def test_a_deleted_user_is_created_again_by_their_next_read(
    api: Api, connection: AsyncConnection, statements: StatementCounter
) -> None:
    user = await api.new_user()
    await connection.execute(delete(users).where(users.c.id == user))  # cascades
    # This process still knows the user: before, E_INTERNAL on every request.
    data = await api.data(VIEWER, user=user)
    assert data["viewer"] == {
        "user": {"uuid": str(user)},
        "defaultLibrary": {"name": "My Library", "isDefault": True},
    }
    assert_one_of_each(await identity_rows(connection, user), user)
    statements.reset()
    await api.data(TYPENAME, user=user)
    assert statements.count == 0  # known again: no statement for identity


async def test_a_deleted_user_is_created_again_by_their_next_mutation(
    api: Api, connection: AsyncConnection
) -> None:
    user = await api.new_user()
    await connection.execute(delete(users).where(users.c.id == user))
    # Before: a foreign-key violation on libraries.owner_user_id, answered E_INTERNAL.
    data = await api.data(CREATE_LIBRARY, {"input": {"name": "Papers"}}, user=user)
    assert data["createLibrary"]["library"]["name"] == "Papers"
    rows = await identity_rows(connection, user)
    assert sorted(name for _id, name, _default in rows["libraries"]) == ["My Library", "Papers"]
    assert [role for _id, role in rows["memberships"]] == ["admin", "admin"]


async def test_a_deleted_user_is_created_again_once_under_concurrent_requests(
    committed_api: Api, engine: AsyncEngine
) -> None:
    user = await committed_api.new_user()
    async with engine.begin() as connection:
        await connection.execute(delete(users).where(users.c.id == user))
    responses = await asyncio.gather(
        *(committed_api.post("{ viewer { user { uuid } } }", user=user) for _ in range(20))
    )
    for response in responses:
        assert_viewer(response, user)
    async with engine.connect() as connection:
        assert_one_of_each(await identity_rows(connection, user), user)
