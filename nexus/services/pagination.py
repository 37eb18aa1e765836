"""Keyset pages of many parents in one statement: top-N per parent with LATERAL.

A list (a library's media, a media's fragments, …) is a `PagedList`: the rows of one
parent, the sort key, its direction. `page_statement` turns it into

    SELECT p.id, [total], [has_previous], x.*
    FROM unnest(:parent_ids) AS p(id)
    LEFT JOIN LATERAL (<rows of p.id> [AND key after :after] ORDER BY key LIMIT :first + 1) x
      ON true

which walks each parent's index for at most `first + 1` rows (measured about 9 times faster
than `row_number() OVER (PARTITION BY parent)`, which reads every row of every parent).
The extra row makes `hasNextPage` exact; `totalCount` and `hasPreviousPage` are scalar
subqueries in the same statement, present only when asked for.

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
    ColumnElement,
    Row,
    Select,
    bindparam,
    column,
    exists,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["MAX_PAGE_SIZE", "Page", "PageRequest", "PagedList", "load_pages"]

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The first `first` rows after the row whose sort key is `after` (None: from the start).

    `with_total` asks for the parent's row count as well. Hashable: loaders group by it.
    """

    first: int = DEFAULT_PAGE_SIZE
    after: tuple[Any, ...] | None = None
    with_total: bool = False


@dataclass(slots=True)
class Page:
    """One parent's page: its rows in list order and the facts of `PageInfo`."""

    rows: list[Row[Any]] = field(default_factory=list)
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


def _after(
    key: Sequence[ColumnElement[Any]], values: Sequence[Any], *, strictly: bool, descending: bool
) -> ColumnElement[bool]:
    bound = tuple_(
        *(
            bindparam(f"after_{i}", value, type_=col.type)
            for i, (col, value) in enumerate(zip(key, values, strict=True))
        )
    )
    row = tuple_(*key)
    if descending:
        return row < bound if strictly else row >= bound
    return row > bound if strictly else row <= bound


def page_statement(
    paged: PagedList, parent_ids: Sequence[UUID], request: PageRequest
) -> Select[Any]:
    """The statement loading `request`'s page of every parent in `parent_ids`."""
    ids = bindparam("parent_ids", list(parent_ids), type_=ARRAY(PG_UUID(as_uuid=True)))
    parents = func.unnest(ids).table_valued(column("id", PG_UUID(as_uuid=True)))
    parents = parents.render_derived(name="page_parents")
    parent_id = parents.c.id
    rows = paged.rows(parent_id)
    if request.after is not None:
        rows = rows.where(
            _after(paged.key, request.after, strictly=True, descending=paged.descending)
        )
    order = [c.desc() for c in paged.key] if paged.descending else list(paged.key)
    page = rows.order_by(*order).limit(bindparam("page_limit", request.first + 1)).lateral("page")
    columns: list[ColumnElement[Any]] = [parent_id.label("page_parent_id")]
    if request.with_total:
        total = paged.members(parent_id).with_only_columns(func.count(), maintain_column_froms=True)
        columns.append(total.scalar_subquery().label("page_total"))
    if request.after is not None:
        before = paged.members(parent_id).where(
            _after(paged.key, request.after, strictly=False, descending=paged.descending)
        )
        columns.append(exists(before).label("page_has_previous"))
    return select(*columns, page).select_from(parents.outerjoin(page, true()))


async def load_pages(
    connection: AsyncConnection,
    paged: PagedList,
    parent_ids: Sequence[UUID],
    request: PageRequest,
) -> dict[UUID, Page]:
    """The page of every parent (an empty page for a parent without rows), one statement."""
    result = await connection.execute(page_statement(paged, parent_ids, request))
    pages: dict[UUID, Page] = {}
    first_row_column = 1 + request.with_total + (request.after is not None)
    for row in result:
        page = pages.get(row.page_parent_id)
        if page is None:
            page = pages[row.page_parent_id] = Page(
                total_count=row.page_total if request.with_total else None,
                has_previous_page=bool(request.after is not None and row.page_has_previous),
            )
        if row[first_row_column] is None:
            continue
        if len(page.rows) < request.first:
            page.rows.append(row)
        else:
            page.has_next_page = True
    return pages
