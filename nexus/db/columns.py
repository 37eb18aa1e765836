"""The columns of a row by name, as the SQL builders read them."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement

__all__ = ["Columns"]


class Columns(Protocol):
    """A table's or subquery's `.c`, or a dict of expressions: read by name only.

    Not a Mapping: iterating a SQLAlchemy column collection yields columns, not names.
    """

    def __getitem__(self, key: str, /) -> ColumnElement[Any]: ...
