"""Statements built and compiled once per shape, executed with each call's values.

Building a SQLAlchemy statement (aliases, subqueries, their column collections) and
finding its compiled form (the cache key is a walk of the whole tree) cost more CPU than
PostgreSQL spends answering a loader batch. The read path's statements have a handful of
shapes; each is built once with named bound parameters (`bindparam("viewer_id")`, …),
compiled once for the connection's dialect, and from then on only its SQL text and the
call's values go to the driver (`exec_driver_sql`: no compilation, no type processing;
psycopg adapts uuids, lists, datetimes and ints itself and returns the same types).

The text is the same for every call of a shape, so psycopg prepares it server-side after
a few executions; each shape's generic plan must therefore be a good one (see the
statement tests).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

__all__ = ["CompiledStatement", "StatementCache", "fetch_cached"]


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """SQL text in the driver's paramstyle, and the parameters it fixes itself."""

    sql: str
    fixed: dict[str, Any]

    async def fetch(
        self, connection: AsyncConnection, values: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        result = await connection.exec_driver_sql(self.sql, {**self.fixed, **values})
        return result.all()


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
    connection: AsyncConnection,
    key: Hashable,
    build: Callable[[], ClauseElement],
    values: dict[str, Any],
) -> Sequence[Row[Any]]:
    """The rows of the statement of shape `key` (built by `build()` once per process)
    with `values` bound to its named parameters."""
    statement = _PROCESS_CACHE.get(key, build, connection.dialect)
    return await statement.fetch(connection, values)
