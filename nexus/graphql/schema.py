"""The Strawberry schema: root types, extra types, and the exported SDL."""

from __future__ import annotations

import strawberry
from graphql import lexicographic_sort_schema, print_schema

from nexus.graphql.direct_execution import DirectExecutionContext
from nexus.graphql.direct_resolvers import call_resolvers_directly
from nexus.graphql.enums import ErrorCode
from nexus.graphql.mutations import Mutation
from nexus.graphql.queries import Query
from nexus.graphql.subscriptions import Subscription

__all__ = ["build_schema", "export_sdl"]


def build_schema() -> strawberry.Schema:
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ErrorCode],
        execution_context_class=DirectExecutionContext,
    )
    call_resolvers_directly(schema)
    return schema


def export_sdl(schema: strawberry.Schema | None = None) -> str:
    """The schema as SDL, types and fields sorted, as committed in `schema.graphql`."""
    graphql_schema = (schema or build_schema())._schema
    return print_schema(lexicographic_sort_schema(graphql_schema)) + "\n"
