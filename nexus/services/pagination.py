"""Keyset pages of many parents in one statement: top-N per parent with LATERAL.

A list (a library's media, a media's fragments, …) is a `PagedList`: the rows of one
parent, the sort key, its direction. `page_statement` turns it into

    SELECT p.id, [f.total, f.has_previous,] x.*
    FROM unnest(:parent_ids) AS p(id)
    [CROSS JOIN LATERAL (SELECT count(*), bool_or(key at or before :after) ...) f]
    LEFT JOIN LATERAL (<rows of p.id> [AND key after :after] ORDER BY key LIMIT :first + 1) x
      ON true

which walks each parent's index for at most `first + 1` rows (measured about 9 times faster
than `row_number() OVER (PARTITION BY parent)`, which reads every row of every parent).
The extra row makes `hasNextPage` exact; `totalCount` and `hasPreviousPage` come from the
same statement, computed once per parent and only when asked for.

Cursors are sort keys, not offsets, so a page stays correct while rows are added.
`hasPreviousPage` is true iff the request continues after a cursor and the parent still
has a row at or before the cursor's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Exists,
    ScalarSelect,
    Select,
    bindparam,
    column,
    exists,
    false,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.db.engine import DriverConnection, Record
from nexus.db.statement_cache import fetch_cached

__all__ = [
    "MAX_PAGE_SIZE",
    "Page",
    "PageRequest",
    "PagedList",
    "after_condition",
    "at_or_before",
    "bind_after",
    "has_previous",
    "load_pages",
    "page_rows",
    "page_statement",
    "parent_facts",
    "total_count",
]

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The first `first` rows after the row whose sort key is `after` (None: from the start).

    `with_total` asks for the parent's row count as well; `omit` names columns of the
    list's rows the caller will not read (large texts nobody selected), left out of the
    statement. Hashable: loaders group by it.
    """

    first: int = DEFAULT_PAGE_SIZE
    after: tuple[Any, ...] | None = None
    with_total: bool = False
    omit: frozenset[str] = frozenset()


@dataclass(slots=True)
class Page:
    """One parent's page: its rows in list order and the facts of `PageInfo`."""

    rows: list[Record] = field(default_factory=list)
    has_next_page: bool = False
    has_previous_page: bool = False
    total_count: int | None = None


@dataclass(frozen=True, slots=True)
class PagedList:
    """One list of children per parent, in one order.

    `rows(parent_id)` is the select of one parent's rows (its first column a non-null id);
    `members(parent_id)` the bare FROM/WHERE of the same rows, for counting and for the
    existence check of `hasPreviousPage` (no joins the count does not need). `key` is
    the sort key, unique within a parent.
    """

    rows: Callable[[ColumnElement[UUID]], Select[Any]]
    members: Callable[[ColumnElement[UUID]], Select[Any]]
    key: tuple[ColumnElement[Any], ...]
    descending: bool


def bind_after(
    key: Sequence[ColumnElement[Any]], values: Sequence[Any]
) -> tuple[BindParameter[Any], ...]:
    """Bound parameters for a decoded cursor's sort key (`after_0`, `after_1`, …)."""
    return tuple(
        bindparam(f"after_{i}", value, type_=col.type)
        for i, (col, value) in enumerate(zip(key, values, strict=True))
    )


def after_condition(
    paged: PagedList, bound: Sequence[ColumnElement[Any]], *, strictly: bool
) -> ColumnElement[bool]:
    """The rows after the cursor whose key is `bound` (`strictly`), or at or before it."""
    row, cursor = tuple_(*paged.key), tuple_(*bound)
    if paged.descending:
        return row < cursor if strictly else row >= cursor
    return row > cursor if strictly else row <= cursor


def page_rows(
    paged: PagedList,
    parent_id: ColumnElement[UUID],
    *,
    after: Sequence[ColumnElement[Any]] | None,
    limit: ColumnElement[int],
    omit: frozenset[str] = frozenset(),
) -> Select[Any]:
    """One parent's rows after the cursor `after` (None: from the start), in list order,
    at most `limit` of them, without the columns named in `omit`."""
    rows = paged.rows(parent_id)
    if omit:
        kept = [c for c in rows.selected_columns if c.name not in omit]
        rows = rows.with_only_columns(*kept, maintain_column_froms=True)
    if after is not None:
        rows = rows.where(after_condition(paged, after, strictly=True))
    order = [c.desc() for c in paged.key] if paged.descending else list(paged.key)
    return rows.order_by(*order).limit(limit)


def total_count(paged: PagedList, parent_id: ColumnElement[UUID]) -> ScalarSelect[int]:
    """How many rows the parent's whole list holds."""
    members = paged.members(parent_id)
    return members.with_only_columns(func.count(), maintain_column_froms=True).scalar_subquery()


def at_or_before(paged: PagedList, after: Sequence[ColumnElement[Any]]) -> ColumnElement[bool]:
    """A row of the list sits at or before the cursor `after`: with `bool_or` over the
    parent's members (or `exists`), the fact behind `hasPreviousPage`."""
    return after_condition(paged, after, strictly=False)


def has_previous(
    paged: PagedList, parent_id: ColumnElement[UUID], after: Sequence[ColumnElement[Any]]
) -> Exists:
    """The parent's list still holds a row at or before the cursor `after`."""
    return exists(paged.members(parent_id).where(at_or_before(paged, after)))


def page_statement(
    paged: PagedList, parent_ids: Sequence[UUID], request: PageRequest
) -> Select[Any]:
    """The statement loading `request`'s page of every parent in `parent_ids`."""
    ids = bindparam("parent_ids", list(parent_ids), type_=ARRAY(PG_UUID(as_uuid=True)))
    parents = func.unnest(ids).table_valued(column("id", PG_UUID(as_uuid=True)))
    parents = parents.render_derived(name="page_parents")
    parent_id = parents.c.id
    after = bind_after(paged.key, request.after) if request.after is not None else None
    limit: ColumnElement[int] = bindparam("page_limit", request.first + 1)
    page = page_rows(paged, parent_id, after=after, limit=limit, omit=request.omit).lateral("page")
    columns: list[Any] = [parent_id.label("page_parent_id")]
    source: Any = parents
    facts = parent_facts(paged, parent_id, after=after, with_total=request.with_total)
    if facts is not None:
        fact_row = facts.lateral("page_facts")
        columns.extend(fact_row.c)
        # An aggregate always has its row; the existence probe alone may have none.
        source = parents.outerjoin(fact_row, true())
    return select(*columns, page).select_from(source.outerjoin(page, true()))


def parent_facts(
    paged: PagedList,
    parent_id: ColumnElement[UUID],
    *,
    after: Sequence[ColumnElement[Any]] | None,
    with_total: bool,
) -> Select[Any] | None:
    """`page_total` and/or `page_has_previous` of one parent, for a LATERAL placed before
    the page so they run once per parent (scalar subqueries in the select list would run
    once per row of the page). Both shapes are ones PostgreSQL does not flatten into the
    outer query: an aggregate (one pass over the parent's members answers both facts), or,
    without a count, an existence probe with LIMIT 1 (no row means false)."""
    members = paged.members(parent_id)
    if with_total:
        aggregates: list[Any] = [func.count().label("page_total")]
        if after is not None:
            previous = func.coalesce(func.bool_or(at_or_before(paged, after)), false())
            aggregates.append(previous.label("page_has_previous"))
        return members.with_only_columns(*aggregates, maintain_column_froms=True)
    if after is not None:
        probe = members.with_only_columns(
            true().label("page_has_previous"), maintain_column_froms=True
        )
        return probe.where(at_or_before(paged, after)).limit(1)
    return None


async def load_pages(
    connection: DriverConnection,
    paged: PagedList,
    parent_ids: Sequence[UUID],
    request: PageRequest,
    *,
    viewer_id: UUID | None = None,
) -> dict[UUID, Page]:
    """The page of every parent (an empty page for a parent without rows), one statement.

    A `paged` list that is a module constant, built with `VIEWER` standing for the viewer
    (bound here to `viewer_id`), is built and compiled once per shape of request."""
    after = request.after is not None
    values: dict[str, Any] = {"parent_ids": list(parent_ids), "page_limit": request.first + 1}
    if viewer_id is not None:
        values["viewer_id"] = viewer_id
    if request.after is not None:
        values.update((f"after_{i}", value) for i, value in enumerate(request.after))
    pages: dict[UUID, Page] = {}
    first_row_column = 1 + request.with_total + after
    rows = await fetch_cached(
        connection,
        (paged, after, request.with_total, request.omit),
        lambda: page_statement(paged, parent_ids, request),
        values,
    )
    for row in rows:
        page = pages.get(row.page_parent_id)
        if page is None:
            page = pages[row.page_parent_id] = Page(
                total_count=row.page_total if request.with_total else None,
                has_previous_page=after and row.page_has_previous is True,
            )
        if row[first_row_column] is None:
            continue
        if len(page.rows) < request.first:
            page.rows.append(row)
        else:
            page.has_next_page = True
    return pages
