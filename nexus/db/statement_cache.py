"""Statements built and compiled once per shape, executed with each call's values.

Building a SQLAlchemy statement (aliases, subqueries, their column collections) and
finding its compiled form (the cache key is a walk of the whole tree) cost more CPU than
PostgreSQL spends answering a loader batch. The read path's statements have a handful of
shapes; each is built once with named bound parameters (`bindparam("viewer_id")`, …),
compiled once for the connection's dialect, and from then on only its SQL text and the
call's values go to the driver's own connection (no compilation, no type processing, no
SQLAlchemy execution layer: psycopg adapts uuids, lists, datetimes and ints itself and
returns the same types, in named tuples).

The text is the same for every call of a shape, so psycopg prepares it server-side after
a few executions; each shape's generic plan must therefore be a good one (see the
statement tests).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from nexus.db.engine import DriverConnection, Record

__all__ = ["CompiledStatement", "StatementCache", "fetch_cached", "fetch_statement"]


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """SQL text in the driver's paramstyle, and the parameters it fixes itself."""

    sql: str
    fixed: dict[str, Any]

    async def fetch(self, connection: DriverConnection, values: dict[str, Any]) -> list[Record]:
        return await connection.fetch(self.sql, {**self.fixed, **values})


class StatementCache:
    """Compiled statements by shape key (bounded: least recently used dropped)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, CompiledStatement] = OrderedDict()

    def get(
        self, key: Hashable, build: Callable[[], ClauseElement], dialect: Dialect
    ) -> CompiledStatement:
        """The compiled statement of shape `key`, built by `build()` on first use."""
        found = self._items.get(key)
        if found is None:
            compiled = build().compile(dialect=dialect)
            found = CompiledStatement(str(compiled), dict(compiled.params))
            self._items[key] = found
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return found


_PROCESS_CACHE = StatementCache()


async def fetch_cached(
    connection: DriverConnection,
    key: Hashable,
    build: Callable[[], ClauseElement],
    values: dict[str, Any],
) -> list[Record]:
    """The rows of the statement of shape `key` (built by `build()` once per process)
    with `values` bound to its named parameters."""
    statement = _PROCESS_CACHE.get(key, build, connection.dialect)
    return await statement.fetch(connection, values)


async def fetch_statement(connection: DriverConnection, statement: ClauseElement) -> list[Record]:
    """The rows of a statement compiled for this call alone (lists of values rendered
    into it): for the reads whose shape varies with their input (`IN` of pairs, say)."""
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    return await connection.fetch(str(compiled), dict(compiled.params))
