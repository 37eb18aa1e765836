"""A probe schema for the request limits: connection-like fields taking `first`, a field
nesting into itself, an interface, a list fetched by ids, and fields that sleep in
Python or in PostgreSQL. `serve_probe` runs the real app over it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from sqlalchemy import text
from strawberry.types import Info

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from nexus.graphql.context import Context
from nexus.graphql.enums import ErrorCode
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

# Names of the probe mutations that ran, so a test can say "nothing executed".
EXECUTED: list[str] = []


@strawberry.interface
class Thing:
    name: str


@strawberry.type
class BoxEdge:
    cursor: str
    node: Box


@strawberry.type
class BoxConnection:
    edges: list[BoxEdge]
    total_count: int


@strawberry.type
class Box(Thing):
    @strawberry.field
    def box(self) -> Box:
        return Box(name="inner")

    @strawberry.field
    def boxes(self, first: int = 10, after: str | None = None) -> BoxConnection:
        del after
        edges = [BoxEdge(cursor=str(i), node=Box(name=str(i))) for i in range(min(first, 3))]
        return BoxConnection(edges=edges, total_count=len(edges))


@strawberry.type
class ProbeQuery:
    @strawberry.field
    def box(self) -> Box:
        return Box(name="root")

    @strawberry.field
    def thing(self) -> Thing:
        return Box(name="thing")

    @strawberry.field
    def boxes(self, first: int = 10) -> BoxConnection:
        return Box(name="root").boxes(first)

    @strawberry.field
    def boxes_by_ids(self, ids: list[int]) -> list[Box]:
        return [Box(name=str(i)) for i in ids]

    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def echo_json(self, value: strawberry.scalars.JSON) -> strawberry.scalars.JSON:
        return value

    @strawberry.field
    async def nap(self, seconds: float) -> bool:
        await asyncio.sleep(seconds)
        return True

    @strawberry.field
    async def pg_sleep(self, info: Info[Context, None], seconds: float) -> bool:
        async with info.context.database.connection() as connection:
            await connection.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return True


@strawberry.type
class ProbeMutation:
    @strawberry.mutation
    def record(self, note: str, payload: strawberry.scalars.JSON | None = None) -> Box:
        del payload
        EXECUTED.append(note)
        return Box(name=note)


PROBE_SCHEMA = strawberry.Schema(query=ProbeQuery, mutation=ProbeMutation, types=[ErrorCode])


@asynccontextmanager
async def serve_probe(
    settings: Settings,
    identity: IdentityProvider,
    *,
    database: Database | None = None,
    **overrides: Any,
) -> AsyncIterator[Api]:
    """The real app over the probe schema, with settings overridden (e.g.
    `nexus_max_cost=50`); its own connection pool unless `database` is given."""
    EXECUTED.clear()
    app = create_app(settings.model_copy(update=overrides), database=database, schema=PROBE_SCHEMA)
    async with lifespan(app), Api.over(app, identity) as client:
        yield client
