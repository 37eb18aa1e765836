"""Connections in SQL: a parent's top-N page, numbered, aggregated into its JSON.

The page is the service's own `page_rows` (rows after the cursor, in list order,
`first + 1` of them), numbered by `row_number()` at the level of the index walk; `json_agg`
keeps the first `first` rows in order and the extra one answers `hasNextPage`.
`totalCount` and `hasPreviousPage` are the services' own subqueries, correlated to the
parent row. `PlannerBase` holds what every part of the planner shares.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    false,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.compiled import catalog, encoding
from nexus.compiled.arguments import Binder, PageBinder
from nexus.compiled.rows import Row
from nexus.compiled.selection import CollectedField, Collector, NotCompilableError
from nexus.graphql.cursors import CursorKind
from nexus.services.pagination import (
    MAX_PAGE_SIZE,
    PagedList,
    has_previous,
    page_rows,
    total_count,
)

__all__ = ["PlannerBase"]

UUID_TYPE = PG_UUID(as_uuid=True)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What `PageInfo` reads, in the aggregate over one numbered page."""

    paged: PagedList
    row: Row
    parent: ColumnElement[Any]
    after: tuple[ColumnElement[Any], ...] | None
    first: ColumnElement[int]
    rn: ColumnElement[int]
    keys: list[ColumnElement[Any]]
    kind: CursorKind

    def has_previous(self) -> ColumnElement[bool]:
        if self.after is None:
            return false()
        return self.row.correlated(has_previous(self.paged, self.parent, self.after))

    def cursor(self, *, last: bool) -> ColumnElement[str]:
        """The cursor of the page's first (or last) row: null for an empty page."""
        order = self.rn.desc() if last else self.rn
        parts = [
            type_coerce(
                func.array_agg(aggregate_order_by(key, order)).filter(self.rn <= self.first),
                ARRAY(key.type),
            )[1]
            for key in self.keys
        ]
        return encoding.cursor(self.kind, parts)


class PlannerBase(ABC):
    """The planner's shared state (parameters, binders, names) and its connections."""

    def __init__(
        self, schema: GraphQLSchema, collector: Collector, variables: VariableValues
    ) -> None:
        self.schema = schema
        self.collector = collector
        self.variables = variables
        self.viewer = bindparam("viewer", type_=UUID_TYPE)
        self.binders: list[Binder] = []
        self.names = 0
        self.guarded = False

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def object_type(self, name: str) -> GraphQLObjectType:
        type_ = self.schema.get_type(name)
        if not isinstance(type_, GraphQLObjectType):
            raise NotCompilableError(f"type {name}: not an object type of the schema")
        return type_

    @staticmethod
    def definition(field: CollectedField) -> GraphQLField:
        """The field's definition: every field but `__typename` has one, which is then not
        compiled as a field of the schema."""
        if field.definition is None:
            raise NotCompilableError(f"field {field.name}: not a field of the schema")
        return field.definition

    @classmethod
    def object_field(cls, field: CollectedField) -> tuple[GraphQLField, GraphQLObjectType]:
        """The field's definition and the object type it returns (a connection, an edge,
        a node); validation has ruled out anything else, which is then not compiled."""
        definition = cls.definition(field)
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType):
            raise NotCompilableError(f"field {field.name}: not an object field")
        return definition, named

    @abstractmethod
    def object_json(
        self, type_name: str, row: Row, selections: list[SelectionSetNode]
    ) -> ColumnElement[Any]:
        """An object of `type_name` read from `row`, as JSON."""

    @abstractmethod
    def scalar(self, field: CollectedField, value: ColumnElement[Any]) -> ColumnElement[Any]:
        """A column's value as the field's GraphQL type serializes it."""

    # Connections ---------------------------------------------------------------------

    def connection(
        self, spec: catalog.Connection, row: Row, field: CollectedField
    ) -> ColumnElement[Any]:
        definition, connection_type = self.object_field(field)
        parent = row.c[spec.parent]
        node = field.nodes[0]
        arguments = get_argument_values(definition, node, self.variables)
        # A choice given by a variable is part of the plan's shape (plans.py).
        paged = spec.paged(self.viewer, **{name: arguments.get(name) for name in spec.choices})
        has_cursor = isinstance(arguments.get("after"), str)
        first_name: str | None = self.name("first")
        limit_name: str | None = self.name("limit")
        first: ColumnElement[int] = bindparam(first_name, type_=Integer)
        limit: ColumnElement[int] = bindparam(limit_name, type_=Integer)
        constant = _constant_first(node, arguments)
        if constant is not None:
            # A page size written in the document is a constant of the plan: PostgreSQL
            # then estimates the generic plan as well as a custom one and keeps it.
            first, limit = _integer(constant), _integer(constant + 1)
            first_name = limit_name = None
        after_names = tuple(self.name("after") for _ in paged.key) if has_cursor else ()
        after = (
            tuple(bindparam(n, type_=k.type) for n, k in zip(after_names, paged.key, strict=True))
            if has_cursor
            else None
        )
        if constant is None or has_cursor:
            # Otherwise binding would decode the same valid page on every request and bind
            # nothing (about 7 us of CPU per connection): this plan's shape fixes both.
            self.binders.append(
                PageBinder(definition, node, spec.cursor, first_name, limit_name, after_names)
            )
        fields = self.collector.collect(connection_type, field.sub_selections())
        if not any(f.name in ("edges", "pageInfo") for f in fields):
            pairs: list[ColumnElement[Any]] = []
            for f in fields:
                value = (
                    row.correlated(total_count(paged, parent))
                    if f.name == "totalCount"
                    else encoding.constant(connection_type.name)
                )
                pairs += [encoding.constant(f.key), value]
            return func.json_build_object(*pairs)

        rows = row.correlated(page_rows(paged, parent, after=after, limit=limit))
        order = [k.desc() for k in paged.key] if paged.descending else list(paged.key)
        # Numbered where the index walk happens: the first `first` rows are the page, a
        # further one means there is a next page.
        rows = rows.add_columns(
            *(k.label(f"k{i}") for i, k in enumerate(paged.key)),
            func.row_number().over(order_by=order).label("rn"),
        )
        top = rows.lateral(self.name("page"))
        page = Row(top.c, top)
        rn = top.c.rn
        keys: list[ColumnElement[Any]] = [top.c[f"k{i}"] for i in range(len(paged.key))]
        pairs = []
        for f in fields:
            if f.name == "edges":
                edge = self.edge_json(spec, f, page, encoding.cursor(spec.cursor, keys))
                edges = func.json_agg(aggregate_order_by(edge, rn)).filter(rn <= first)
                value = func.coalesce(edges, encoding.json_constant("[]"))
            elif f.name == "pageInfo":
                info = PageFacts(paged, row, parent, after, first, rn, keys, spec.cursor)
                value = self.page_info(f, info)
            elif f.name == "totalCount":
                value = row.correlated(total_count(paged, parent))
            else:
                value = encoding.constant(connection_type.name)
            pairs += [encoding.constant(f.key), value]
        return select(func.json_build_object(*pairs)).select_from(top).scalar_subquery()

    def edge_json(
        self,
        spec: catalog.Connection,
        field: CollectedField,
        page: Row,
        cursor: ColumnElement[str],
    ) -> ColumnElement[Any]:
        _, edge_type = self.object_field(field)
        pairs: list[ColumnElement[Any]] = []
        for f in self.collector.collect(edge_type, field.sub_selections()):
            if f.name == "cursor":
                value = cursor
            elif f.name == "node":
                value = self.object_json(spec.node_type, page, f.sub_selections())
            elif f.name in spec.edge_columns:
                value = self.scalar(f, page.c[spec.edge_columns[f.name]])
            elif f.name == "__typename":
                value = encoding.constant(edge_type.name)
            else:
                raise NotCompilableError(f"edge field {f.name}")
            pairs += [encoding.constant(f.key), value]
        return func.json_build_object(*pairs)

    def page_info(self, field: CollectedField, facts: PageFacts) -> ColumnElement[Any]:
        pairs: list[ColumnElement[Any]] = []
        for f in self.collector.collect(self.object_type("PageInfo"), field.sub_selections()):
            if f.name == "hasNextPage":
                value: ColumnElement[Any] = func.count() > facts.first
            elif f.name == "hasPreviousPage":
                value = facts.has_previous()
            elif f.name in ("startCursor", "endCursor"):
                value = facts.cursor(last=f.name == "endCursor")
            else:
                value = encoding.constant("PageInfo")
            pairs += [encoding.constant(f.key), value]
        return func.json_build_object(*pairs)


def _constant_first(node: FieldNode, arguments: Mapping[str, Any]) -> int | None:
    """`first` when the document fixes it (a literal, or absent: the default), valid."""
    given = next((a for a in node.arguments or () if a.name.value == "first"), None)
    if given is not None and not isinstance(given.value, IntValueNode):
        return None
    first = arguments.get("first")
    return first if isinstance(first, int) and 0 <= first <= MAX_PAGE_SIZE else None


def _integer(value: int) -> ColumnElement[int]:
    return literal_column(str(int(value)), Integer)
