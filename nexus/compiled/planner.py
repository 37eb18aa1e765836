"""Plans a query operation into ONE SQL statement that builds its `data` as JSON.

Each root field is one output column of JSON text. An object is `json_build_object` of
its selected fields over its row; a link to another object is a scalar subquery over the
service's row source (a LATERAL derived table, so nested levels never mix up two uses of
one table); a connection is an aggregate over the service's top-N page of its parent
(`page_rows`: rows after the cursor, in list order, `first + 1` of them), numbered so
that `json_agg` keeps the first `first` in order and the extra row answers
`hasNextPage`; `totalCount` and `hasPreviousPage` are the services' own subqueries.
Arguments are bound parameters, named per field occurrence (see `arguments.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import (
    ColumnElement,
    Exists,
    FromClause,
    Integer,
    ScalarSelect,
    Select,
    Text,
    bindparam,
    case,
    false,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.compiled import catalog, encoding
from nexus.compiled.arguments import Binder, IdBinder, NodeBinder, NodesBinder, PageBinder
from nexus.compiled.selection import CollectedField, Collector, NotCompilableError
from nexus.graphql.cursors import CursorKind
from nexus.services.pagination import MAX_PAGE_SIZE, PagedList, has_previous, page_rows, total_count

__all__ = ["Plan", "RootField", "plan_operation"]

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
_MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
_UUID = PG_UUID(as_uuid=True)


@dataclass(frozen=True, slots=True)
class RootField:
    """One root field of the response: its output column(s) and how errors arise.

    `kind` is "value" (never null), "typename" (the query type's name, known without
    SQL), "library"/"media" (null: not found, or a bad id),
    "node" (null: not found for the id's type, or a bad id) or "nodes" (a list whose
    null items are reported by index in a second column).
    """

    key: str
    kind: str
    field: CollectedField


@dataclass(frozen=True, slots=True)
class Plan:
    sql: str
    constants: Mapping[str, Any]
    binders: tuple[Binder, ...]
    roots: tuple[RootField, ...]
    guarded: bool  # some non-null object may come back as the sentinel


class _Row:
    """What a field reads from: a derived table's columns, or the viewer's id.

    Subqueries that read a row's columns are correlated to it explicitly: SQLAlchemy's
    automatic correlation only looks one level up, and a row is often further away.
    """

    def __init__(
        self, columns: Mapping[str, ColumnElement[Any]], from_: FromClause | None = None
    ) -> None:
        self.c = columns
        self.from_ = from_

    def correlated[S: (Select[Any], ScalarSelect[Any], Exists)](self, statement: S) -> S:
        return statement if self.from_ is None else statement.correlate(self.from_)


@dataclass(frozen=True, slots=True)
class _PageFacts:
    """What `PageInfo` reads, in the aggregate over one numbered page."""

    paged: PagedList
    row: _Row
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


class _Planner:
    def __init__(
        self, schema: GraphQLSchema, collector: Collector, variables: VariableValues
    ) -> None:
        self.schema = schema
        self.collector = collector
        self.variables = variables
        self.viewer = bindparam("viewer", type_=_UUID)
        self.binders: list[Binder] = []
        self.names = 0
        self.guarded = False

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def object_type(self, name: str) -> GraphQLObjectType:
        type_ = self.schema.get_type(name)
        assert isinstance(type_, GraphQLObjectType)
        return type_

    # Objects -------------------------------------------------------------------------

    def object_json(
        self, type_name: str, row: _Row, selections: list[SelectionSetNode]
    ) -> ColumnElement[Any]:
        specs = catalog.VIEWER if type_name == "Viewer" else catalog.OBJECTS.get(type_name)
        if specs is None:
            raise NotCompilableError(f"type {type_name}")
        pairs: list[ColumnElement[Any]] = []
        for field in self.collector.collect(self.object_type(type_name), selections):
            pairs += [encoding.constant(field.key), self.field_value(type_name, specs, row, field)]
        if len(pairs) > 2 * _MAX_PAIRS:
            raise NotCompilableError("too many fields in one object")
        return func.json_build_object(*pairs)

    def field_value(
        self,
        type_name: str,
        specs: Mapping[str, catalog.FieldSpec],
        row: _Row,
        field: CollectedField,
    ) -> ColumnElement[Any]:
        if field.name == "__typename":
            return encoding.constant(type_name)
        spec = specs.get(field.name)
        if spec is None:
            raise NotCompilableError(f"field {type_name}.{field.name}")
        if isinstance(spec, catalog.Column):
            return self.scalar(field, row.c[spec.name])
        if isinstance(spec, catalog.GlobalId):
            return encoding.global_id(spec.type_name, *(row.c[name] for name in spec.columns))
        if isinstance(spec, catalog.Link):
            key = tuple(row.c[name] for name in spec.key)
            return self.link(spec.type_name, spec.source, key, field, guard=True, row=row)
        return self.connection(spec, row, field)

    def scalar(self, field: CollectedField, value: ColumnElement[Any]) -> ColumnElement[Any]:
        assert field.definition is not None
        named = get_named_type(field.definition.type)
        if isinstance(named, GraphQLEnumType):
            return encoding.enum_name(named, value)
        if named.name == "DateTime":
            return encoding.iso_timestamp(value)
        return value

    def link(
        self,
        type_name: str,
        source: catalog.Source,
        key: tuple[ColumnElement[Any], ...],
        field: CollectedField,
        *,
        guard: bool,
        row: _Row | None = None,
    ) -> ColumnElement[Any]:
        """The object of `source` whose primary key is `key` (columns of `row`, or
        parameters), as JSON (null if none)."""
        rows = source.rows(self.viewer)
        if key:
            rows = rows.where(
                *(c == k for c, k in zip(catalog.key_columns(source), key, strict=True))
            )
        if row is not None:
            rows = row.correlated(rows)
        found = rows.lateral(self.name("o"))
        value = (
            select(self.object_json(type_name, _Row(found.c, found), field.sub_selections()))
            .select_from(found)
            .scalar_subquery()
        )
        if not guard:
            return value
        # Non-null in the schema and present by construction in one snapshot; should it
        # ever be missing, the resolver path answers with its error instead.
        self.guarded = True
        return func.coalesce(value, encoding.json_constant(encoding.SENTINEL.decode()))

    # Connections ---------------------------------------------------------------------

    def connection(
        self, spec: catalog.Connection, row: _Row, field: CollectedField
    ) -> ColumnElement[Any]:
        assert field.definition is not None
        connection_type = get_named_type(field.definition.type)
        assert isinstance(connection_type, GraphQLObjectType)
        paged = spec.paged(self.viewer)
        parent = row.c[spec.parent]
        node = field.nodes[0]
        arguments = get_argument_values(field.definition, node, self.variables)
        has_cursor = isinstance(arguments.get("after"), str)
        first_name, limit_name = self.name("first"), self.name("limit")
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
        self.binders.append(
            PageBinder(field.definition, node, spec.cursor, first_name, limit_name, after_names)
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
        page = _Row(top.c, top)
        rn = top.c.rn
        keys = [top.c[f"k{i}"] for i in range(len(paged.key))]
        pairs = []
        for f in fields:
            if f.name == "edges":
                edge = self.edge_json(spec, f, page, encoding.cursor(spec.cursor, keys))
                edges = func.json_agg(aggregate_order_by(edge, rn)).filter(rn <= first)
                value = func.coalesce(edges, encoding.json_constant("[]"))
            elif f.name == "pageInfo":
                info = _PageFacts(paged, row, parent, after, first, rn, keys, spec.cursor)
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
        page: _Row,
        cursor: ColumnElement[str],
    ) -> ColumnElement[Any]:
        assert field.definition is not None
        edge_type = get_named_type(field.definition.type)
        assert isinstance(edge_type, GraphQLObjectType)
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

    def page_info(self, field: CollectedField, facts: _PageFacts) -> ColumnElement[Any]:
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

    # The root ------------------------------------------------------------------------

    def root(self, field: CollectedField) -> tuple[RootField, list[ColumnElement[Any]], Any]:
        """The root field's description, output columns and (for `nodes`) FROM item."""
        definition = field.definition
        if field.name == "__typename":
            assert self.schema.query_type is not None
            typename = encoding.json_constant(f'"{self.schema.query_type.name}"')
            return RootField(field.key, "typename", field), [typename], None
        assert definition is not None
        if field.name == "viewer":
            viewer = _Row({"viewer": self.viewer})
            value = self.object_json("Viewer", viewer, field.sub_selections())
            return RootField(field.key, "value", field), [value], None
        if field.name in ("library", "media"):
            type_name = "Library" if field.name == "library" else "Media"
            param = self.name("id")
            self.binders.append(IdBinder(field.key, definition, field.nodes[0], type_name, param))
            key = (bindparam(param, type_=_UUID),)
            source = catalog.NODE_SOURCES[type_name]
            value = self.link(type_name, source, key, field, guard=False)
            return RootField(field.key, field.name, field), [value], None
        if field.name == "node":
            names = (self.name("type"), self.name("id"), self.name("id"))
            self.binders.append(NodeBinder(field.key, definition, field.nodes[0], names))
            type_ = bindparam(names[0], type_=Text)
            ids = (bindparam(names[1], type_=_UUID), bindparam(names[2], type_=_UUID))
            return RootField(field.key, "node", field), [self.any_node(type_, ids, field)], None
        if field.name == "nodes":
            return self.nodes(field)
        raise NotCompilableError(f"root field {field.name}")

    def any_node(
        self,
        type_: ColumnElement[str],
        ids: tuple[ColumnElement[Any], ...],
        field: CollectedField,
        row: _Row | None = None,
    ) -> ColumnElement[Any]:
        """The object a decoded global id names (parameters, or columns of `row`), if the
        viewer may see it."""
        branches = []
        for type_name, source in catalog.NODE_SOURCES.items():
            key = ids[: len(catalog.key_columns(source))]
            value = self.link(type_name, source, key, field, guard=False, row=row)
            branches.append((type_ == encoding.constant(type_name), value))
        return case(*branches)

    def nodes(self, field: CollectedField) -> tuple[RootField, list[ColumnElement[Any]], Any]:
        assert field.definition is not None
        names = (self.name("types"), self.name("ids"), self.name("ids"))
        self.binders.append(NodesBinder(field.key, field.definition, field.nodes[0], names))
        given = func.unnest(
            bindparam(names[0], type_=ARRAY(Text)),
            bindparam(names[1], type_=ARRAY(_UUID)),
            bindparam(names[2], type_=ARRAY(_UUID)),
        ).table_valued("type", "first", "second", with_ordinality="ordinal")
        given = given.render_derived(name=self.name("given"))
        ids = (given.c.first, given.c.second)
        item = self.any_node(given.c.type, ids, field, _Row(given.c, given)).label("item")
        items = select(given.c.ordinal, item).select_from(given).lateral(self.name("items"))
        listed = func.json_agg(aggregate_order_by(items.c.item, items.c.ordinal))
        missing = func.array_agg(aggregate_order_by(items.c.ordinal, items.c.ordinal)).filter(
            items.c.item.is_(None)
        )
        summary = (
            select(
                func.coalesce(listed, encoding.json_constant("[]")).label("listed"),
                missing.label("missing"),
            )
            .select_from(items)
            .lateral(self.name("nodes"))
        )
        return RootField(field.key, "nodes", field), [summary.c.listed, summary.c.missing], summary


def _constant_first(node: FieldNode, arguments: Mapping[str, Any]) -> int | None:
    """`first` when the document fixes it (a literal, or absent: the default), valid."""
    given = next((a for a in node.arguments or () if a.name.value == "first"), None)
    if given is not None and not isinstance(given.value, IntValueNode):
        return None
    first = arguments.get("first")
    return first if isinstance(first, int) and 0 <= first <= MAX_PAGE_SIZE else None


def _integer(value: int) -> ColumnElement[int]:
    return literal_column(str(int(value)), Integer)


def plan_operation(
    schema: GraphQLSchema,
    collector: Collector,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> Plan:
    """The plan of a query operation under this shape of variables, or
    `NotCompilableError`."""
    planner = _Planner(schema, collector, variables)
    query_type = schema.query_type
    assert query_type is not None
    roots: list[RootField] = []
    columns: list[ColumnElement[Any]] = []
    froms: list[Any] = []
    for field in collector.collect(query_type, [operation.selection_set]):
        root, outputs, from_item = planner.root(field)
        roots.append(root)
        if root.kind == "nodes":
            columns += outputs
        else:
            columns.append(outputs[0])
        if from_item is not None:
            froms.append(from_item)
    statement = select(*(c.label(f"c{i}") for i, c in enumerate(columns)))
    for from_item in froms:
        statement = statement.select_from(from_item)
    compiled = statement.compile(dialect=_DIALECT)
    constants = {k: v for k, v in compiled.params.items() if v is not None}
    return Plan(str(compiled), constants, tuple(planner.binders), tuple(roots), planner.guarded)
