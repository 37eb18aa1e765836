"""Rows by id in statements compiled once: `id = :id` for one id, `id = ANY(:ids)` for more.

One shape for both would be `= ANY(:ids)`, but once psycopg prepares it PostgreSQL may
pick a generic plan that cannot use the array's length: measured on the benchmark data,
a generic plan hashed 9,007 rows where `=` probes one primary key (5.3 ms instead of
0.36 ms). A loader batch of one id (a `library(id:)` or `media(id:)` field) takes the `=`
shape, a larger batch the array one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

__all__ = ["by_ids", "ids_values"]

_ONE = bindparam("id", type_=PG_UUID(as_uuid=True))
_MANY = bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))


def by_ids(column: ColumnElement[UUID], count: int) -> ColumnElement[bool]:
    """`column` is one of the ids bound by `ids_values` (for `count` of them)."""
    return column == _ONE if count == 1 else column == any_(_MANY)


def ids_values(ids: Sequence[UUID]) -> dict[str, Any]:
    """The bound values of `by_ids` for `ids`."""
    return {"id": ids[0]} if len(ids) == 1 else {"ids": list(ids)}
