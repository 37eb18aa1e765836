"""A failing non-null field cancels its siblings: their statements must not be torn down,
and no other field may see the cancellation. Both read paths (the resolver path is the
one graphql-core executes field by field)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import add_member, create_library
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

FAILING = """{ viewer {
  defaultLibrary { name media(first: 50) { totalCount edges { node { title
    fragments(first: 5) { totalCount } } } } }
  libraries(first: -1) { totalCount }
} }"""

# Each membership's user is the same key of the users' loader as the library's owner, and
# each membership's subtree fails (a bad cursor, under non-null fields up to `members`).
SHARED_KEY = """query ($id: ID!) { library(id: $id) {
  members(first: 10) { edges { node { user { uuid }
    library { media(after: "not a cursor") { totalCount } } } } }
  owner { uuid }
} }"""


@pytest.fixture(params=["compiled", "resolver"])
async def api(
    request: pytest.FixtureRequest,
    settings: Settings,
    connection: AsyncConnection,
    identity: IdentityProvider,
) -> AsyncIterator[Api]:
    compiled = request.param == "compiled"
    app = create_app(
        settings.model_copy(update={"nexus_compiled_reads": compiled}),
        database=Database.pinned_to(connection),
    )
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


async def test_a_failed_sibling_leaves_the_connection_usable(api: Api, connection) -> None:
    user = await api.new_user()
    default = await default_library_id(connection, user)
    for _ in range(30):
        await put_media(connection, default, await create_media(connection, fragment_count=5))
    for _ in range(5):
        body = await api.gql(FAILING, user=user)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["E_INVALID_REQUEST"]
        after = await api.data(
            "{ viewer { defaultLibrary { media(first: 1) { totalCount } } } }", user=user
        )
        assert after["viewer"]["defaultLibrary"]["media"]["totalCount"] == 30


async def test_a_cancelled_subtree_does_not_cancel_a_shared_load(api: Api) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    for _ in range(3):
        await add_member(api, owner, library["uuid"], await api.new_user())
    variables = {"id": global_id("Library", UUID(library["uuid"]))}
    for _ in range(20):
        response = await api.post(SHARED_KEY, variables, user=owner)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == {"library": None}
        assert {e["extensions"]["code"] for e in body["errors"]} == {"E_INVALID_REQUEST"}
