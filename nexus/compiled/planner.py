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
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues
from sqlalchemy import (
    ColumnElement,
    Text,
    bindparam,
    case,
    func,
    null,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from nexus.compiled import catalog, encoding
from nexus.compiled.arguments import Binder, IdBinder, NodeBinder, NodesBinder
from nexus.compiled.connections import UUID_TYPE, PlannerBase
from nexus.compiled.rows import Row
from nexus.compiled.selection import CollectedField, Collector, NotCompilableError

__all__ = ["Plan", "RootField", "plan_operation"]

# `$n` parameters, run by a raw cursor: psycopg converts `%(name)s` to `$n` on every
# execution of a statement over 4 KiB (it caches only shorter ones), about 90 us per
# request for a library page, and each plan's SQL is final anyway.
_DIALECT = postgresql.psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy
_MAX_PAIRS = 50  # json_build_object takes at most 100 arguments


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
    sql: str  # with `$n` parameters, in the order of `parameters`
    parameters: tuple[str, ...]
    constants: Mapping[str, Any]
    binders: tuple[Binder, ...]
    roots: tuple[RootField, ...]
    guarded: bool  # some non-null object may come back as the sentinel


class _Planner(PlannerBase):
    """Objects, links and the root fields; connections come from `PlannerBase`."""

    # Objects -------------------------------------------------------------------------

    def object_json(
        self, type_name: str, row: Row, selections: list[SelectionSetNode]
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
        row: Row,
        field: CollectedField,
    ) -> ColumnElement[Any]:
        if field.name == "__typename":
            return encoding.constant(type_name)
        spec = specs.get(field.name)
        if spec is None:
            raise NotCompilableError(f"field {type_name}.{field.name}")
        if isinstance(spec, catalog.Column):
            return self.column(spec, row, field)
        if isinstance(spec, catalog.GlobalId):
            return encoding.global_id(spec.type_name, *(row.c[name] for name in spec.columns))
        if isinstance(spec, catalog.Computed | catalog.Embedded):
            return self.derived(spec, row, field)
        if isinstance(spec, catalog.Link):
            key = tuple(row.c[name] for name in spec.key)
            guard = not spec.nullable
            return self.link(spec.type_name, spec.source, key, field, guard=guard, row=row)
        return self.connection(spec, row, field)

    def column(self, spec: catalog.Column, row: Row, field: CollectedField) -> ColumnElement[Any]:
        value = self.scalar(field, row.c[spec.name])
        if spec.stored_json is None:
            return value
        # The kept encoding, or the text encoded now where none is kept.
        stored = row.correlated(spec.stored_json(row.c["id"]))
        return func.coalesce(stored, func.to_json(value))

    def derived(
        self, spec: catalog.Computed | catalog.Embedded, row: Row, field: CollectedField
    ) -> ColumnElement[Any]:
        """A value made of the row's own columns: a service's rule, or a nested object."""
        if isinstance(spec, catalog.Computed):
            return spec.value(self.viewer, row.c)
        value = self.object_json(spec.type_name, row, field.sub_selections())
        if spec.present is None:
            return value
        return case((row.c[spec.present].is_(None), null()), else_=value)

    def scalar(self, field: CollectedField, value: ColumnElement[Any]) -> ColumnElement[Any]:
        named = get_named_type(self.definition(field).type)
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
        row: Row | None = None,
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
            select(self.object_json(type_name, Row(found.c, found), field.sub_selections()))
            .select_from(found)
            .scalar_subquery()
        )
        if not guard:
            return value
        # Non-null in the schema and present by construction in one snapshot; should it
        # ever be missing, the resolver path answers with its error instead.
        self.guarded = True
        return func.coalesce(value, encoding.json_constant(encoding.SENTINEL.decode()))

    # The root ------------------------------------------------------------------------

    def root(self, field: CollectedField) -> tuple[RootField, list[ColumnElement[Any]], Any]:
        """The root field's description, output columns and (for `nodes`) FROM item."""
        if field.name == "__typename":
            typename = encoding.json_constant(f'"{_query_type(self.schema).name}"')
            return RootField(field.key, "typename", field), [typename], None
        definition = self.definition(field)
        if field.name == "viewer":
            viewer = Row({"viewer": self.viewer})
            value = self.object_json("Viewer", viewer, field.sub_selections())
            return RootField(field.key, "value", field), [value], None
        if field.name in ("library", "media"):
            type_name = "Library" if field.name == "library" else "Media"
            param = self.name("id")
            self.binders.append(IdBinder(field.key, definition, field.nodes[0], type_name, param))
            key = (bindparam(param, type_=UUID_TYPE),)
            source = catalog.NODE_SOURCES[type_name]
            value = self.link(type_name, source, key, field, guard=False)
            return RootField(field.key, field.name, field), [value], None
        if field.name == "node":
            names = (self.name("type"), self.name("id"), self.name("id"))
            self.binders.append(NodeBinder(field.key, definition, field.nodes[0], names))
            type_ = bindparam(names[0], type_=Text)
            ids = (bindparam(names[1], type_=UUID_TYPE), bindparam(names[2], type_=UUID_TYPE))
            return RootField(field.key, "node", field), [self.any_node(type_, ids, field)], None
        if field.name == "nodes":
            return self.nodes(field)
        raise NotCompilableError(f"root field {field.name}")

    def any_node(
        self,
        type_: ColumnElement[str],
        ids: tuple[ColumnElement[Any], ...],
        field: CollectedField,
        row: Row | None = None,
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
        names = (self.name("types"), self.name("ids"), self.name("ids"))
        self.binders.append(NodesBinder(field.key, self.definition(field), field.nodes[0], names))
        given = func.unnest(
            bindparam(names[0], type_=ARRAY(Text)),
            bindparam(names[1], type_=ARRAY(UUID_TYPE)),
            bindparam(names[2], type_=ARRAY(UUID_TYPE)),
        ).table_valued("type", "first", "second", with_ordinality="ordinal")
        given = given.render_derived(name=self.name("given"))
        ids = (given.c.first, given.c.second)
        item = self.any_node(given.c.type, ids, field, Row(given.c, given)).label("item")
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


def _query_type(schema: GraphQLSchema) -> GraphQLObjectType:
    if schema.query_type is None:
        raise NotCompilableError("the schema has no query type")
    return schema.query_type


def plan_operation(
    schema: GraphQLSchema,
    collector: Collector,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> Plan:
    """The plan of a query operation under this shape of variables, or
    `NotCompilableError`."""
    planner = _Planner(schema, collector, variables)
    query_type = _query_type(schema)
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
    return Plan(
        str(compiled),
        tuple(compiled.positiontup or ()),
        constants,
        tuple(planner.binders),
        tuple(roots),
        planner.guarded,
    )
