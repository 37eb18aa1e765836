"""An app serving the real schema plus a few probe fields for transport tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from nexus.errors import ErrorCode, NexusError
from nexus.graphql.enums import ErrorCode as ErrorCodeEnum
from nexus.graphql.schema import Query
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider


@strawberry.type
class ProbeQuery(Query):
    @strawberry.field
    def boom(self) -> str | None:
        raise RuntimeError("secret detail")

    @strawberry.field
    def refused(self) -> str | None:
        raise NexusError(ErrorCode.E_FORBIDDEN, "Not for you.")

    @strawberry.field
    def echo(self, text: str) -> str:
        return text


@strawberry.type
class ProbeMutation:
    @strawberry.mutation
    def touch(self) -> bool:
        return True


@pytest.fixture
async def probe_api(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> AsyncIterator[Api]:
    schema = strawberry.Schema(query=ProbeQuery, mutation=ProbeMutation, types=[ErrorCodeEnum])
    app = create_app(settings, database=Database.pinned_to(connection), schema=schema)
    async with lifespan(app), Api.over(app, identity) as client:
        yield client
