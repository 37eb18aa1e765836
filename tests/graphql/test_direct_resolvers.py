"""Direct resolver calls are refused for a schema they would answer differently from
Strawberry; the refusal is an exception of its own, so `python -O` keeps it."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from nexus.graphql.direct_resolvers import call_resolvers_directly


@strawberry.type
class Query:
    label: str = "a label"


@strawberry.type
class Refusal:
    reason: str


class RefusalHandler(strawberry.ExceptionHandler[LookupError, Refusal]):
    def handle(self, exception: LookupError, *, field: object, info: object) -> Refusal:
        return Refusal(reason=str(exception))


def test_a_schema_with_its_own_default_resolver_is_refused() -> None:
    schema = strawberry.Schema(
        query=Query, config=StrawberryConfig(default_resolver=lambda value, name: name)
    )
    with pytest.raises(ValueError, match="getattr"):
        call_resolvers_directly(schema)


def test_a_schema_with_exception_handlers_is_refused() -> None:
    schema = strawberry.Schema(query=Query, exception_handlers=[RefusalHandler()])
    with pytest.raises(ValueError, match="exception handlers"):
        call_resolvers_directly(schema)


def test_a_plain_schema_gets_direct_resolvers() -> None:
    assert call_resolvers_directly(strawberry.Schema(query=Query)) == 1
