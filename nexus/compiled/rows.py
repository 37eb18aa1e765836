"""What a planned field reads from: a derived table's columns, or the viewer's id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Exists, FromClause, ScalarSelect, Select

from nexus.db.columns import Columns

__all__ = ["Row"]


class Row:
    """What a field reads from: a derived table's columns, or the viewer's id.

    Subqueries that read a row's columns are correlated to it explicitly: SQLAlchemy's
    automatic correlation only looks one level up, and a row is often further away.
    """

    def __init__(self, columns: Columns, from_: FromClause | None = None) -> None:
        self.c = columns
        self.from_ = from_

    def correlated[S: (Select[Any], ScalarSelect[Any], Exists)](self, statement: S) -> S:
        return statement if self.from_ is None else statement.correlate(self.from_)
