"""The cost of an operation, counted GitHub's way: how many nodes it may return.

A paged field (one taking `first`) may return `first` nodes, and everything selected
below it is asked once for each of them: `viewer { libraries(first: 20) { edges { node {
media(first: 20) { totalCount } } } } }` costs 20 + 20 * 20 = 420. A list field fetched
by a list argument (`nodes(ids: [...])`) counts like a page of that many. Fragments,
inline fragments and aliases count wherever they are used; `@skip` and `@include` are
ignored, so the figure is an upper bound. Other fields cost nothing.

A page size may be a variable, so the sum's shape is built once per operation (and cached
with its document) and only evaluated per request, over the coerced variables: a walk
over a few tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

__all__ = ["PAGE_SIZE_WHEN_UNSAID", "CostShape", "build_cost_shape"]

# A paged field whose `first` is neither given nor defaulted is counted at the largest
# page the API serves.
PAGE_SIZE_WHEN_UNSAID = 100
PAGE_ARGUMENT = "first"


@dataclass(frozen=True, slots=True)
class Size:
    """How many nodes a field may return: `fixed`, unless `variable` says otherwise.
    With `counts_items`, the size is the length of the variable's list."""

    fixed: int
    variable: str | None = None
    counts_items: bool = False

    def resolve(self, variables: Mapping[str, Any]) -> int:
        """The size under coerced variables (defaults applied; absent or null: `fixed`)."""
        value = variables.get(self.variable) if self.variable is not None else None
        if value is None:
            return self.fixed
        if self.counts_items:
            # A single value coerces to a list of one.
            return len(value) if isinstance(value, list) else 1
        return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True, slots=True)
class Page:
    size: Size
    below: tuple[Page | Spread, ...]


@dataclass(frozen=True, slots=True)
class Spread:
    fragment: str


type Items = tuple[Page | Spread, ...]


@dataclass(frozen=True, slots=True)
class CostShape:
    """The cost of one operation as a function of its variables."""

    items: Items
    fragments: Mapping[str, Items]

    def requested(self, variables: Mapping[str, Any]) -> int:
        """The number of nodes the operation may return with these variables."""
        fragment_costs: dict[str, int] = {}

        def total(items: Items) -> int:
            cost = 0
            for item in items:
                if isinstance(item, Page):
                    cost += item.size.resolve(variables) * (1 + total(item.below))
                else:
                    if item.fragment not in fragment_costs:
                        fragment_costs[item.fragment] = total(self.fragments[item.fragment])
                    cost += fragment_costs[item.fragment]
            return cost

        return total(self.items)


class _ShapeBuilder:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.fragments: dict[str, Items] = {}

    def items(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> Items:
        if selection_set is None:
            return ()
        items: list[Page | Spread] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                items.extend(self._field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                items.extend(self.items(selection.selection_set, scope or parent))
            elif isinstance(selection, FragmentSpreadNode):
                items.append(self._spread(selection.name.value))
        return tuple(items)

    def _spread(self, name: str) -> Spread:
        if name not in self.fragments:
            self.fragments[name] = ()  # validated documents have no cycles; be safe anyway
            definition = self.definitions[name]
            scope = self.schema.get_type(definition.type_condition.name.value)
            if scope is not None:
                self.fragments[name] = self.items(definition.selection_set, scope)
        return Spread(name)

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> Items:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return ()
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __typename and introspection
            return ()
        field_type = get_nullable_type(definition.type)
        below = self.items(node.selection_set, get_named_type(field_type))
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        if PAGE_ARGUMENT in definition.args:
            default = definition.args[PAGE_ARGUMENT].default_value
            fallback = default if isinstance(default, int) else PAGE_SIZE_WHEN_UNSAID
            return (Page(self._size(arguments.get(PAGE_ARGUMENT), fallback), below),)
        if isinstance(field_type, GraphQLList):
            for name, argument in definition.args.items():
                if isinstance(get_nullable_type(argument.type), GraphQLList) and name in arguments:
                    return (Page(self._length(arguments[name]), below),)
        return below

    def _size(self, value: ValueNode | None, fallback: int) -> Size:
        if isinstance(value, IntValueNode):
            return Size(max(int(value.value), 0))
        if isinstance(value, VariableNode):
            return Size(fallback, value.name.value)
        return Size(fallback)

    def _length(self, value: ValueNode) -> Size:
        if isinstance(value, ListValueNode):
            return Size(len(value.values))
        if isinstance(value, VariableNode):
            return Size(0, value.name.value, counts_items=True)
        return Size(1)


def build_cost_shape(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> CostShape:
    """The cost function of `operation`, a validated operation of `document`."""
    builder = _ShapeBuilder(schema, document)
    root = schema.get_root_type(operation.operation)
    items = builder.items(operation.selection_set, root) if root is not None else ()
    return CostShape(items, builder.fragments)
