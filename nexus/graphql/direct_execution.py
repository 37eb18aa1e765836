"""Selections of direct fields are completed in one pass, not field by field.

graphql-core executes every field of every object alike: a Path, a resolve-info object,
the resolver call, then `complete_value`'s dispatch on the field's type. Below a
connection, edges, nodes and their scalars are plain attributes or self-only methods
(`direct_resolvers`), and while every value is well formed none of that machinery changes
the outcome. So each selection is planned once per operation: its direct fields whose
whole subtree is direct are read and completed by closures fitted to their types; the
other fields run the generic way, and the response keeps the selection's order.

A value the generic path would report (a null for a non-null field, an exception, a value
its scalar refuses, an object of another type) abandons the pass, and the selection runs
the generic way from the start, which reports it exactly as before. Direct fields are pure
reads, so reading them twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.incremental.incremental_executor import DeliveryGroupMap
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from nexus.graphql.direct_resolvers import direct_method

__all__ = ["DirectExecutionContext"]

_INCLUSION_DIRECTIVES = frozenset({"include", "skip"})
_STRAWBERRY_IS_TYPE_OF = "strawberry.schema.schema_converter"

type _Read = Callable[[object], object]
type _Complete = Callable[[object], object]
type _Field = tuple[str, _Read, _Complete]
type _Result = dict[str, object]


class _AnomalyError(Exception):
    """A value the generic path reports; raised to abandon the pass. A new instance each
    time: a shared one would keep the last traceback's frames (and their rows) alive."""


@dataclass(frozen=True, slots=True)
class _Selection:
    direct: tuple[_Field, ...]
    # The fields that run the generic way, or None when every field is direct.
    generic: GroupedFieldSet | None
    order: tuple[str, ...]


def _identity(value: object) -> object:
    return value


def _leaf(coerce: Callable[[object], object], non_null: bool) -> _Complete:
    def complete(value: object) -> object:
        if value is None:
            if non_null:
                raise _AnomalyError
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _AnomalyError
        return coerced

    return complete


def _list(item: _Complete, non_null: bool) -> _Complete:
    def complete(value: object) -> object:
        if value is None:
            if non_null:
                raise _AnomalyError
            return None
        if type(value) is not list and type(value) is not tuple:
            raise _AnomalyError
        return [item(element) for element in value]

    return complete


def _object(
    is_type_of: Callable[..., object] | None, fields: tuple[_Field, ...], non_null: bool
) -> _Complete:
    def complete(value: object) -> object:
        if value is None:
            if non_null:
                raise _AnomalyError
            return None
        # Strawberry's is_type_of reads only the value (checked when planning).
        if is_type_of is not None and is_type_of(value, None) is not True:
            raise _AnomalyError
        return {name: finish(read(value)) for name, read, finish in fields}

    return complete


def _merge(order: tuple[str, ...], direct: _Result, generic: _Result) -> _Result:
    merged: _Result = {}
    for name in order:
        if name in direct:
            merged[name] = direct[name]
        elif name in generic:
            merged[name] = generic[name]
    return merged


async def _merge_later(
    order: tuple[str, ...], direct: _Result, generic: Awaitable[_Result]
) -> _Result:
    return _merge(order, direct, await generic)


class DirectExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing direct subtrees in one pass."""

    @cached_property
    def _selections(
        self,
    ) -> dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, _Selection | None]]:
        # Keyed by the grouped field set's identity; the value keeps it alive.
        return {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: object,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: DeliveryGroupMap | None,
    ) -> AwaitableOrValue[_Result]:
        selection = self._selection(parent_type, grouped_field_set)
        if selection is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        try:
            direct = {name: finish(read(source_value)) for name, read, finish in selection.direct}
        except Exception:  # the generic path reports it
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        if selection.generic is None:
            return direct
        generic = super().execute_fields(
            parent_type, source_value, path, selection.generic, position_context
        )
        if isinstance(generic, dict):
            return _merge(selection.order, direct, generic)
        return _merge_later(selection.order, direct, generic)

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection | None:
        key = (parent_type, id(grouped_field_set))
        cached = self._selections.get(key)
        if cached is None:
            cached = (grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._selections[key] = cached
        return cached[1]

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection | None:
        if self.middleware_manager is not None:
            return None
        direct: list[_Field] = []
        generic: GroupedFieldSet = {}
        for name, field_details_list in grouped_field_set.items():
            planned = self._plan_field(parent_type, field_details_list)
            if planned is None:
                generic[name] = field_details_list
            else:
                direct.append((name, *planned))
        if not direct:
            return None
        return _Selection(tuple(direct), generic or None, tuple(grouped_field_set))

    def _plan_field(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> tuple[_Read, _Complete] | None:
        for details in field_details_list:
            directives = details.node.directives or ()
            if any(d.name.value not in _INCLUSION_DIRECTIVES for d in directives):
                return None
        field_name = field_details_list[0].node.name.value
        if field_name == "__typename":
            type_name = parent_type.name
            return (lambda _source: type_name), _identity
        field = parent_type.fields.get(field_name)
        method = direct_method(field) if field is not None else None
        if method is None:
            return None
        complete = self._plan_completion(field.type, field_details_list)
        return None if complete is None else (method, complete)

    def _plan_completion(
        self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> _Complete | None:
        non_null = isinstance(return_type, GraphQLNonNull)
        inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if isinstance(inner, GraphQLList):
            item = self._plan_completion(inner.of_type, field_details_list)
            return None if item is None else _list(item, non_null)
        if is_leaf_type(inner):
            return _leaf(inner.coerce_output_value, non_null)
        if isinstance(inner, GraphQLObjectType):
            return self._plan_object(inner, field_details_list, non_null)
        return None

    def _plan_object(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, non_null: bool
    ) -> _Complete | None:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and is_type_of.__module__ != _STRAWBERRY_IS_TYPE_OF:
            return None
        collected = self.collect_subfields(object_type, field_details_list)
        if collected.new_defer_usages:
            return None
        selection = self._selection(object_type, collected.grouped_field_set)
        if selection is None or selection.generic is not None:
            return None
        return _object(is_type_of, selection.direct, non_null)
