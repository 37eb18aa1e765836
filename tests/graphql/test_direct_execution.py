"""Resolvers called directly (nexus.graphql.direct_resolvers) and direct subtrees
completed in one pass (nexus.graphql.direct_execution) answer exactly what Strawberry's
resolver chain and graphql-core's field-by-field execution answer: the same data in the
same key order, and for every malformed value the same errors with the same paths and
locations.

One schema of fixture types is executed twice through our executor: as we build ours
(direct resolvers, DirectExecutionContext), and as Strawberry builds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
import strawberry

from nexus.graphql.direct_execution import DirectExecutionContext
from nexus.graphql.direct_resolvers import call_resolvers_directly
from nexus.graphql.execution import GraphQLExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Thing:
    label: str


@strawberry.type
class Leaf(Thing):
    count: int
    colour: Colour
    maybe_count: int | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.label.upper()


@strawberry.type
class Edge:
    node: Leaf
    spare: Leaf | None = None


@strawberry.type
class Box:
    edges: list[Edge]
    tags: list[str | None] = field(default_factory=list)

    @strawberry.field
    async def later(self) -> str:
        return f"{len(self.edges)} later"

    @strawberry.field
    def size(self, times: int = 1) -> int:
        return len(self.edges) * times

    @strawberry.field
    def describe(
        self, info: strawberry.Info, prefix: str | None = strawberry.UNSET, count: int | None = 2
    ) -> str:
        return f"{info.field_name} {info.path.as_list()} {prefix!r} {count} {len(self.tags)}"


@dataclass
class Impostor:
    label: str = "impostor"
    count: int = 0
    colour: Colour = Colour.RED


def _leaf(label: object = "a", **values: object) -> Leaf:
    return Leaf(label=label, count=values.pop("count", 1), colour=Colour.BLUE, **values)


# Made afresh for each request: a generator is consumed by the first execution.
BOXES: dict[str, Callable[[], object]] = {
    "good": lambda: Box(
        edges=[Edge(node=_leaf("a"), spare=_leaf("s", maybe_count=3)), Edge(node=_leaf("b"))],
        tags=["x", None, "y"],
    ),
    "null_in_non_null": lambda: Box(edges=[Edge(node=_leaf("a")), Edge(node=_leaf(None))]),
    "scalar_refuses": lambda: Box(edges=[Edge(node=_leaf("a", count="many"))]),
    "nullable_scalar_refuses": lambda: Box(edges=[Edge(node=_leaf("a", maybe_count="many"))]),
    "bad_enum": lambda: Box(edges=[Edge(node=Leaf(label="a", count=1, colour="green"))]),
    "method_raises": lambda: Box(edges=[Edge(node=_leaf(7))]),
    "wrong_type": lambda: Box(edges=[Edge(node=Impostor())]),
    "not_a_list": lambda: Box(edges=[Edge(node=_leaf("a"))], tags="xyz"),
    "a_generator": lambda: Box(edges=(Edge(node=_leaf(str(i))) for i in range(2))),
    "null_edges": lambda: Box(edges=None),
}


@strawberry.type
class Query:
    @strawberry.field
    async def box(self, case: str) -> Box | None:
        return BOXES[case]()  # type: ignore[return-value]


class CountingDirectExecutionContext(DirectExecutionContext):
    """Counts the fields executed the generic way (one by one)."""

    generic_fields = 0

    def execute_field(self, *args: Any) -> Any:
        type(self).generic_fields += 1
        return super().execute_field(*args)


def _executor(direct: bool) -> GraphQLExecutor:
    if not direct:
        return GraphQLExecutor(strawberry.Schema(query=Query))
    schema = strawberry.Schema(query=Query, execution_context_class=CountingDirectExecutionContext)
    call_resolvers_directly(schema)
    return GraphQLExecutor(schema)


DIRECT = _executor(direct=True)
GENERIC = _executor(direct=False)

SELECTION = """
  __typename
  edges { __typename node { label count colour maybeCount shout } spare { label maybeCount } }
  tags
"""
QUERIES = {
    "plain": f"query($case: String!) {{ box(case: $case) {{ {SELECTION} }} }}",
    "mixed": f"query($case: String!) {{ box(case: $case) {{ later {SELECTION} size(times: 2) }} }}",
    "sync_generic": f"query($case: String!) {{ box(case: $case) {{ size {SELECTION} }} }}",
    "arguments": """
      query($case: String!, $prefix: String) {
        box(case: $case) {
          describe
          null: describe(prefix: null, count: null)
          given: describe(prefix: "p", count: 5)
          variable: describe(prefix: $prefix)
          size(times: 3)
          later
        }
      }
    """,
    "aliases_and_fragments": """
      query($case: String!, $yes: Boolean = true, $no: Boolean = false) {
        box(case: $case) {
          first: edges { n: node { ...L label @include(if: $yes) } }
          edges {
            node { count @skip(if: $no) shout @skip(if: $yes) }
            node { ... on Leaf { colour } }
          }
          second: edges { node { label } }
        }
      }
      fragment L on Thing { label ... on Leaf { count } }
    """,
    "two_boxes": """
      query($case: String!) {
        a: box(case: "good") { edges { node { label } } }
        b: box(case: $case) { edges { node { label count } } later }
      }
    """,
}


async def _run(executor: GraphQLExecutor, query: str, case: str) -> str:
    prepared = executor.prepare(query, None)
    variables = {"case": case}
    executor.admit(prepared, variables)
    result = await executor.execute(prepared, variables, None)
    errors = [error.formatted for error in result.errors or ()]
    # Serialized without sorting: the key order is part of the answer.
    return json.dumps({"data": result.data, "errors": errors})


@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("case", sorted(BOXES))
async def test_direct_execution_answers_what_generic_execution_answers(
    query: str, case: str
) -> None:
    generic = await _run(GENERIC, QUERIES[query], case)
    direct = await _run(DIRECT, QUERIES[query], case)
    assert direct == generic


async def test_malformed_values_are_reported_with_their_paths() -> None:
    answer = json.loads(await _run(DIRECT, QUERIES["plain"], "null_in_non_null"))
    assert answer["data"] == {"box": None}
    [error] = answer["errors"]
    assert error["message"] == "Cannot return null for non-nullable field Leaf.label."
    assert error["path"] == ["box", "edges", 1, "node", "label"]


@pytest.mark.parametrize(
    ("query", "generic_fields"),
    [
        ("plain", 1),
        ("mixed", 3),
        ("sync_generic", 2),
        ("arguments", 7),
        ("aliases_and_fragments", 1),
        ("two_boxes", 3),
    ],
)
async def test_only_fields_below_which_something_is_not_direct_run_one_by_one(
    query: str, generic_fields: int
) -> None:
    """box (an async resolver), later (async) and size (arguments) run the generic way;
    every field of the direct subtrees under them is completed in one pass. Without
    this the differential test above could pass by planning nothing."""
    CountingDirectExecutionContext.generic_fields = 0
    await _run(DIRECT, QUERIES[query], "good")
    assert CountingDirectExecutionContext.generic_fields == generic_fields


async def test_a_malformed_value_sends_its_selection_the_generic_way() -> None:
    CountingDirectExecutionContext.generic_fields = 0
    await _run(DIRECT, QUERIES["plain"], "null_in_non_null")
    # Only the selections holding the null run one by one, until it stops them: box;
    # Box's __typename and edges; the second Edge's __typename and node; its Leaf's
    # label. The first Edge is still completed in one pass.
    assert CountingDirectExecutionContext.generic_fields == 6
