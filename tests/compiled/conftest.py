"""Two apps over the test's one transaction: compiled reads on, and the resolver path."""

from __future__ import annotations

import difflib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.compiled import CompiledReads
from nexus.config import Settings
from nexus.db.engine import Database
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider


class Paths:
    """Sends one request through both paths and compares the answers."""

    def __init__(self, compiled: Api, resolver: Api, reads: CompiledReads) -> None:
        self.compiled = compiled
        self.resolver = resolver
        self.reads = reads

    async def both(
        self, query: str, variables: dict[str, Any] | None, user: Any
    ) -> tuple[dict[str, Any], dict[str, Any], bool]:
        """Both bodies, and whether the compiled path answered (no fallback)."""
        answered = self.reads.answered
        compiled = await self.compiled.post(query, variables, user=user)
        used = self.reads.answered > answered
        resolver = await self.resolver.post(query, variables, user=user)
        assert compiled.status_code == resolver.status_code, (compiled.text, resolver.text)
        return compiled.json(), resolver.json(), used

    async def same(self, query: str, variables: dict[str, Any] | None = None, *, user: Any) -> bool:
        compiled, resolver, used = await self.both(query, variables, user)
        assert normalized(compiled) == normalized(resolver), _difference(compiled, resolver)
        return used


def _difference(compiled: dict[str, Any], resolver: dict[str, Any]) -> str:
    a = json.dumps(normalized(compiled), indent=1, sort_keys=False).splitlines()
    b = json.dumps(normalized(resolver), indent=1, sort_keys=False).splitlines()
    return "\n".join(list(difflib.unified_diff(a, b, "compiled", "resolver", lineterm=""))[:60])


def normalized(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its errors in a canonical order (GraphQL does not order them)."""
    errors = body.get("errors")
    if errors:
        body = {**body, "errors": sorted(errors, key=lambda e: repr((e.get("path"), e)))}
    return body


@pytest.fixture
async def paths(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> AsyncIterator[Paths]:
    database = Database.pinned_to(connection)
    compiled_app = create_app(settings, database=database)
    resolver_settings = settings.model_copy(update={"nexus_compiled_reads": False})
    resolver_app = create_app(resolver_settings, database=database)
    reads = compiled_app.app.state.compiled_reads  # type: ignore[attr-defined]
    async with (
        lifespan(compiled_app),
        lifespan(resolver_app),
        Api.over(compiled_app, identity) as c,
        Api.over(resolver_app, identity) as r,
    ):
        yield Paths(c, r, reads)
