"""Property-based fuzzing of the real schema through HTTP, on a seeded database.

hypothesis-graphql writes queries and mutations from `schema.graphql` (valid ones, ones
with exactly one schema violation, and plain garbage), with real global ids of every
type mixed among malformed ones. Whatever it sends: no 5xx, no E_INTERNAL, every error
in the shape of transport.md, and the domain invariants hold after every request.

It runs on the app's real connection pool (`committed_api`): the pinned test connection
cannot survive graphql-core cancelling a sibling resolver mid-query when a non-null
field fails, which production's per-batch connections do.

`NEXUS_FUZZ_EXAMPLES` sets the examples per test (CI's default is small and fast).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.db.tables import fragments
from nexus.errors import STATUS_BY_CODE, ErrorCode
from nexus.services.invariants import find_invariant_violations
from tests.factories import create_media, default_library_id, global_id
from tests.graphql.operations import (
    ADD_MEDIA,
    ADD_MEMBER,
    CREATE_LIBRARY,
    DELETE_LIBRARY,
    REMOVE_MEDIA,
    REMOVE_MEMBER,
    RENAME_LIBRARY,
    UPDATE_ROLE,
    add_media,
    add_member,
    create_library,
)
from tests.helpers import Api

SCHEMA = graphql.build_schema((Path(__file__).parents[2] / "schema.graphql").read_text())
EXAMPLES = int(os.environ.get("NEXUS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MALFORMED_IDS = [
    "",
    "not-base64!",
    base64.b64encode(b"Library").decode(),
    base64.b64encode(b"Library:not-a-uuid").decode(),
    base64.b64encode(b"Nope:00000000-0000-0000-0000-000000000000").decode(),
    base64.b64encode(b"Membership:00000000-0000-0000-0000-000000000000").decode(),
    global_id("Library", UUID(int=0)),
    global_id("Media", UUID(int=1)),
]


@dataclass
class World:
    """Seeded users, their objects' global ids, and closure exemptions as they happen."""

    users: list[UUID]
    ids: list[str]
    default_owners: dict[str, UUID]
    libraries: list[str]
    media: list[str]
    exemptions: set[tuple[UUID, UUID]] = field(default_factory=set)


async def seed(api: Api, engine: AsyncEngine) -> World:
    users = [await api.new_user() for _ in range(3)]
    shared = [
        await create_library(api, user, f"Library of user {i}") for i, user in enumerate(users)
    ]
    async with engine.begin() as connection:
        media = [
            await create_media(connection, title=f"Article {i}", fragment_count=2) for i in range(4)
        ]
    for library, owner, items in (
        (shared[0], users[0], media[:2]),
        (shared[1], users[1], media[2:3]),
    ):
        for item in items:
            await add_media(api, owner, library["uuid"], item)
    await add_member(api, users[0], shared[0]["uuid"], users[1])
    await add_member(api, users[1], shared[1]["uuid"], users[2], role="ADMIN")
    async with engine.connect() as connection:
        defaults = {user: await default_library_id(connection, user) for user in users}
        fragment_ids = list((await connection.execute(select(fragments.c.id))).scalars())
    ids = [
        *(global_id("User", user) for user in users),
        *(global_id("Library", UUID(library["uuid"])) for library in shared),
        *(global_id("Library", library) for library in defaults.values()),
        *(global_id("Media", item) for item in media),
        *(global_id("Fragment", fragment) for fragment in fragment_ids),
        global_id("Membership", UUID(shared[0]["uuid"]), users[1]),
        global_id("Membership", UUID(shared[1]["uuid"]), users[2]),
    ]
    default_owners = {global_id("Library", library): user for user, library in defaults.items()}
    libraries = [global_id("Library", UUID(library["uuid"])) for library in shared]
    return World(
        users,
        ids,
        default_owners,
        libraries=[*libraries, *default_owners],
        media=[global_id("Media", item) for item in media],
    )


@pytest.fixture
async def world(committed_api: Api, engine: AsyncEngine) -> World:
    return await seed(committed_api, engine)


def scalars(world: World) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    real = st.sampled_from(world.ids)
    wrong = st.sampled_from(MALFORMED_IDS) | st.text(max_size=40)
    return {
        "ID": st.one_of(real, real, real, wrong).map(nodes.String),
        # Mostly page sizes a client would send, sometimes anything at all.
        "Int": (st.integers(0, 5) | st.integers(-(2**31), 2**31 - 1)).map(nodes.Int),
    }


def assert_transport_shape(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"data", "errors", "extensions"}, body
    if "data" not in body:
        assert body["errors"], body
    for error in body.get("errors", []):
        assert isinstance(error["message"], str)
        assert error["message"]
        code = ErrorCode(error["extensions"]["code"])
        assert code is not ErrorCode.E_INTERNAL, body
        assert error["extensions"]["status"] == STATUS_BY_CODE[code], body
    return body


def _gid_uuid(value: str) -> UUID | None:
    try:
        type_name, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        return UUID(raw) if type_name == "Media" else None
    except ValueError:
        return None


def record_default_removals(
    world: World, document: str, body: dict[str, Any], variables: dict[str, Any]
) -> None:
    """Media a user removed from their own default library may stay in shared ones."""
    data = body.get("data")
    if not data:
        return
    for definition in graphql.parse(document).definitions:
        if not isinstance(definition, graphql.OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            if not (
                isinstance(selection, graphql.FieldNode)
                and selection.name.value == "removeMediaFromLibrary"
                and data.get(selection.name.value) is not None
            ):
                continue
            arguments = graphql.value_from_ast_untyped(selection.arguments[0].value, variables)
            owner = world.default_owners.get(arguments.get("libraryId"))
            media = _gid_uuid(arguments.get("mediaId", ""))
            if owner is not None and media is not None:
                world.exemptions.add((owner, media))


async def send_and_check(
    api: Api,
    engine: AsyncEngine,
    world: World,
    user: UUID,
    document: str,
    *,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    response = await api.post(document, variables, user=user)
    body = assert_transport_shape(response)
    # Tallied by --hypothesis-show-statistics: what the examples actually exercised.
    codes = sorted({error["extensions"]["code"] for error in body.get("errors", [])})
    event(f"{response.status_code} {'data' if body.get('data') else 'no data'} {codes}")
    record_default_removals(world, document, body, variables or {})
    async with engine.connect() as connection:
        violations = await find_invariant_violations(
            connection=connection, closure_exemptions=world.exemptions
        )
    assert not violations, (document, variables, violations)
    return body


@FUZZ
@given(data=st.data())
async def test_valid_queries_never_fail_untyped(
    committed_api: Api, engine: AsyncEngine, world: World, data: st.DataObject
) -> None:
    document = data.draw(queries(SCHEMA, custom_scalars=scalars(world)))
    user = data.draw(st.sampled_from(world.users))
    await send_and_check(committed_api, engine, world, user, str(document))


@FUZZ
@given(data=st.data())
async def test_valid_mutations_keep_the_invariants(
    committed_api: Api, engine: AsyncEngine, world: World, data: st.DataObject
) -> None:
    document = data.draw(mutations(SCHEMA, custom_scalars=scalars(world)))
    user = data.draw(st.sampled_from(world.users))
    await send_and_check(committed_api, engine, world, user, str(document))


@FUZZ
@given(data=st.data())
async def test_invalid_documents_are_typed_request_errors(
    committed_api: Api, engine: AsyncEngine, world: World, data: st.DataObject
) -> None:
    invalid = st.one_of(
        queries(SCHEMA, custom_scalars=scalars(world), mode=Mode.NEGATIVE),
        mutations(SCHEMA, custom_scalars=scalars(world), mode=Mode.NEGATIVE),
        st.text(max_size=200),
    )
    document = data.draw(invalid)
    user = data.draw(st.sampled_from(world.users))
    await send_and_check(committed_api, engine, world, user, str(document))


NAMES = st.sampled_from(["Reading", " Spaced ", "x" * 100, "x" * 101, "", "tab\tname"]) | st.text(
    max_size=30
)
ROLES = st.sampled_from(["ADMIN", "MEMBER"])
MUTATIONS = [
    CREATE_LIBRARY,
    RENAME_LIBRARY,
    DELETE_LIBRARY,
    ADD_MEDIA,
    REMOVE_MEDIA,
    ADD_MEMBER,
    UPDATE_ROLE,
    REMOVE_MEMBER,
]


@st.composite
def real_mutation(draw: st.DrawFn, world: World) -> tuple[str, dict[str, Any]]:
    """One of the eight mutations, with ids of the right type drawn from the world.
    Libraries are drawn by index: the list grows as the test creates libraries, and
    hypothesis needs the draws themselves to stay the same when it replays them."""
    library = world.libraries[draw(st.integers(0, 10_000)) % len(world.libraries)]
    media = draw(st.sampled_from(world.media))
    member = global_id("User", draw(st.sampled_from(world.users)))
    operation = draw(st.sampled_from(MUTATIONS))
    fields: dict[str, Any] = {"libraryId": library}
    if operation in (CREATE_LIBRARY, RENAME_LIBRARY):
        fields["name"] = draw(NAMES)
    if operation is CREATE_LIBRARY:
        del fields["libraryId"]
    if operation in (ADD_MEDIA, REMOVE_MEDIA):
        fields["mediaId"] = media
    if operation in (ADD_MEMBER, UPDATE_ROLE, REMOVE_MEMBER):
        fields["userId"] = member
    if operation in (ADD_MEMBER, UPDATE_ROLE):
        fields["role"] = draw(ROLES)
    return operation, {"input": fields}


@FUZZ
@given(data=st.data())
async def test_sequences_of_real_mutations_keep_the_invariants(
    committed_api: Api, engine: AsyncEngine, world: World, data: st.DataObject
) -> None:
    for _ in range(data.draw(st.integers(1, 8))):
        operation, variables = data.draw(real_mutation(world))
        user = data.draw(st.sampled_from(world.users))
        body = await send_and_check(
            committed_api, engine, world, user, operation, variables=variables
        )
        created = (body.get("data") or {}).get("createLibrary")
        if created:
            world.libraries.append(created["library"]["id"])
