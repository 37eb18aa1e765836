"""Field collection as GraphQL execution does it, for one concrete type at a time.

Fields are grouped by response key in the order of their first appearance; named and
inline fragments apply when their type condition is the type or an interface it
implements; `@skip` and `@include` are decided by literals or by the request's boolean
variables (the plan cache keys plans by those values, see `plans.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)

__all__ = ["CollectedField", "Collector", "NotCompilableError", "directive_variables"]


class NotCompilableError(Exception):
    """The operation uses something the compiler does not plan: the resolver path runs it."""


@dataclass(frozen=True, slots=True)
class CollectedField:
    """One response key: its field definition and every field node merged into it."""

    key: str
    name: str
    nodes: tuple[FieldNode, ...]
    definition: GraphQLField | None  # None for __typename

    def sub_selections(self) -> list[SelectionSetNode]:
        return [node.selection_set for node in self.nodes if node.selection_set is not None]


@dataclass(frozen=True, slots=True)
class Collector:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    flags: Mapping[str, bool]  # the boolean variables that @skip/@include read

    def collect(
        self, type_: GraphQLObjectType, selection_sets: Iterable[SelectionSetNode]
    ) -> list[CollectedField]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect(type_, selection_set, grouped, visited)
        fields = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            definition = None if name == "__typename" else type_.fields.get(name)
            if definition is None and name != "__typename":
                raise NotCompilableError(f"field {type_.name}.{name}")
            fields.append(CollectedField(key, name, tuple(nodes), definition))
        return fields

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection.directives or ()):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, type_):
                    self._collect(type_, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, type_):
                    self._collect(type_, fragment.selection_set, grouped, visited)

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        return condition == type_.name or any(
            interface.name == condition for interface in type_.interfaces
        )

    def _included(self, directives: Iterable[DirectiveNode]) -> bool:
        for directive in directives:
            name = directive.name.value
            if name not in ("skip", "include"):
                raise NotCompilableError(f"directive @{name}")
            value = self._condition(directive)
            if (name == "skip" and value) or (name == "include" and not value):
                return False
        return True

    def _condition(self, directive: DirectiveNode) -> bool:
        argument = next(arg for arg in directive.arguments or () if arg.name.value == "if")
        if isinstance(argument.value, BooleanValueNode):
            return argument.value.value
        if isinstance(argument.value, VariableNode):
            return bool(self.flags.get(argument.value.name.value))
        raise NotCompilableError("directive condition")


def directive_variables(selection_sets: Iterable[SelectionSetNode]) -> frozenset[str]:
    """The variables that decide an `@skip`/`@include` anywhere under these selections
    (fragment definitions included by the caller)."""
    found: set[str] = set()
    stack = list(selection_sets)
    while stack:
        selection_set = stack.pop()
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                for argument in directive.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        found.add(argument.value.name.value)
            nested = getattr(selection, "selection_set", None)
            if nested is not None:
                stack.append(nested)
    return frozenset(found)
