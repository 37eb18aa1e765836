"""The columns of a row by name, as the SQL builders read them; a result row of any width."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row

__all__ = ["Columns", "ResultRow"]

# SQLAlchemy types a row by its columns' types (`Row[Any]` is a row of one column); the
# services return rows of their statements' columns, read by name.
type ResultRow = Row[*tuple[Any, ...]]


class Columns(Protocol):
    """A table's or subquery's `.c`, or a dict of expressions: read by name only.

    Not a Mapping: iterating a SQLAlchemy column collection yields columns, not names.
    """

    def __getitem__(self, key: str, /) -> ColumnElement[Any]: ...
