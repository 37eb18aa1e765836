"""`python -m nexus.bench.documents`: what the document cache saves per request.

Prepares each benchmark read shape (parse, validation with the limit rules, operation
selection, cost shape) with an empty cache and with a warm one, in this process, and
prints the milliseconds per request of each.
"""

from __future__ import annotations

import time

from nexus.bench.operations import DEEP, LIBRARY_LIST, LIBRARY_PAGE, READER
from nexus.config import Settings
from nexus.graphql.execution import GraphQLExecutor
from nexus.graphql.limits import QueryLimits
from nexus.graphql.schema import build_schema

SHAPES = {
    "library_list": LIBRARY_LIST,
    "library_page": LIBRARY_PAGE,
    "reader": READER,
    "deep": DEEP,
}
ROUNDS = 200


def _per_call(cold: bool, query: str) -> float:
    """Seconds per `prepare`: each on a new executor (empty cache) or all on a warm one."""
    schema = build_schema()
    limits = QueryLimits.from_settings(Settings())
    if cold:
        executors = [GraphQLExecutor(schema, limits=limits) for _ in range(ROUNDS)]
    else:
        executors = [GraphQLExecutor(schema, limits=limits)] * ROUNDS
        executors[0].prepare(query, None)
    started = time.perf_counter()
    for executor in executors:
        executor.prepare(query, None)
    return (time.perf_counter() - started) / ROUNDS


def main() -> None:
    for name, query in SHAPES.items():
        cold = _per_call(True, query)
        warm = _per_call(False, query)
        print(f"{name:13} uncached {cold * 1e3:7.3f} ms   cached {warm * 1e3:7.4f} ms")


if __name__ == "__main__":
    main()
