"""When an operation fails unexpectedly, the endpoint looks whether its viewer was deleted
since this process ensured them (nexus.app.lost_viewers): only then is the viewer created
again and the operation run once more, and never a mutation that may have written."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
import strawberry
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from nexus.db.tables import users
from nexus.graphql.enums import ErrorCode as ErrorCodeEnum
from nexus.graphql.queries import Query
from tests.helpers import Api, StatementCounter, lifespan
from tests.identity import IdentityProvider
from tests.services.test_users import assert_one_of_each, identity_rows

calls: Counter[str] = Counter()


@strawberry.type
class CountingQuery(Query):
    @strawberry.field
    def boom(self) -> str | None:
        calls["boom"] += 1
        raise RuntimeError("secret detail")


@strawberry.type
class CountingMutation:
    @strawberry.mutation
    def touch(self) -> bool:
        calls["touch"] += 1
        return True

    @strawberry.mutation
    def boom(self) -> bool | None:
        calls["boom"] += 1
        raise RuntimeError("secret detail")


@pytest.fixture
async def counting_api(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> AsyncIterator[Api]:
    calls.clear()
    schema = strawberry.Schema(
        query=CountingQuery, mutation=CountingMutation, types=[ErrorCodeEnum]
    )
    app = create_app(settings, database=Database.pinned_to(connection), schema=schema)
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


async def test_a_failure_of_a_viewer_still_there_costs_one_lookup_and_runs_once(
    counting_api: Api, statements: StatementCounter
) -> None:
    user = await counting_api.new_user()
    statements.reset()
    body = await counting_api.gql("{ boom }", user=user)
    assert codes(body) == ["E_INTERNAL"]
    assert calls["boom"] == 1
    assert [s.split()[:2] for s in statements.statements] == [["SELECT", "EXISTS"]]


async def test_a_read_of_a_deleted_viewer_is_run_again_once(
    counting_api: Api, connection: AsyncConnection
) -> None:
    user = await counting_api.new_user()
    await connection.execute(delete(users).where(users.c.id == user))
    body = await counting_api.gql("{ boom }", user=user)
    assert codes(body) == ["E_INTERNAL"]  # the second run fails the same way: no third
    assert calls["boom"] == 2
    assert_one_of_each(await identity_rows(connection, user), user)


async def test_a_mutation_of_a_deleted_viewer_that_answered_is_not_run_again(
    counting_api: Api, connection: AsyncConnection
) -> None:
    user = await counting_api.new_user()
    await connection.execute(delete(users).where(users.c.id == user))
    body = await counting_api.gql("mutation { touch boom }", user=user)
    assert body["data"] == {"touch": True, "boom": None}
    assert calls == Counter(touch=1, boom=1)
    # Ensured again all the same: the viewer's next request finds them.
    assert_one_of_each(await identity_rows(connection, user), user)


async def test_failing_to_look_for_the_viewer_leaves_the_operations_answer(
    counting_api: Api, connection: AsyncConnection
) -> None:
    user = await counting_api.new_user()
    # A role without any privilege: the lookup after the failure is refused.
    role = f"nexus_no_grants_{uuid4().hex[:8]}"
    savepoint = await connection.begin_nested()
    await connection.execute(text(f"CREATE ROLE {role}"))
    await connection.execute(text(f"SET LOCAL ROLE {role}"))
    try:
        response = await counting_api.post("{ boom }", user=user)
    finally:
        await savepoint.rollback()
    assert response.status_code == 200, response.text  # not the lookup's 500
    assert codes(response.json()) == ["E_INTERNAL"]
    assert calls["boom"] == 1
