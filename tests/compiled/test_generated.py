"""Differential: operations generated from the schema answer the same on both paths.

The examples are drawn up front (derandomized, so CI is repeatable) and then sent, each
for two of the four viewers. NEXUS_DIFFERENTIAL_EXAMPLES raises the count (default 40).
A generated operation the compiler hands to the resolver path is fine; a different
answer fails, naming the operation and its variables.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from nexus.graphql.schema import build_schema
from tests.compiled.generated import operations, varied
from tests.compiled.world import seed

EXAMPLES = int(os.environ.get("NEXUS_DIFFERENTIAL_EXAMPLES", "40"))


async def test_generated_operations_answer_the_same(paths, connection) -> None:
    world = await seed(paths.compiled, connection)
    schema = build_schema()._schema
    drawn: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operations(schema, world))
    def draw(query: str) -> None:
        drawn.append(query)

    draw()
    compiled = 0
    for index, query in enumerate(drawn):
        text, variables = varied(schema, query, index)
        for user in (world.users[index % 4], world.users[(index + 1) % 4]):
            compiled += await paths.same(text, variables, user=user)
    # Most generated operations are compiled: the fallbacks are the exceptions.
    print(
        f"{len(drawn)} operations, {2 * len(drawn)} requests, {compiled} compiled, "
        f"fallbacks {dict(paths.reads.fallbacks)}"
    )
    assert compiled > len(drawn) // 2
