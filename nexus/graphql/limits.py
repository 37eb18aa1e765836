"""Limits on what one GraphQL request may ask, checked before anything executes.

Depth, aliases and introspection are validation rules run with graphql-core's own, so
they are cached with the document's validation result; the token bound is the parser's.
Each refusal is a request error whose `extensions` name the limit: `{"depth":
{"requested": 12, "maximum": 10}}`. The cost limit lives in `nexus.graphql.cost`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)

from nexus.config import Settings

__all__ = [
    "QueryLimits",
    "alias_count",
    "limit_error",
    "limit_rules",
    "selection_depth",
    "variables_depth_exceeds",
]

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The bounds one request must stay within; the defaults are the settings' defaults."""

    max_tokens: int = 2000
    max_depth: int = 10
    max_aliases: int = 15
    max_cost: int = 10_000
    max_variables_depth: int = 10
    operation_timeout_seconds: float = 10.0
    introspection: bool = True
    suggestions: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_tokens=settings.nexus_max_tokens,
            max_depth=settings.nexus_max_depth,
            max_aliases=settings.nexus_max_aliases,
            max_cost=settings.nexus_max_cost,
            max_variables_depth=settings.nexus_max_variables_depth,
            operation_timeout_seconds=settings.nexus_operation_timeout_seconds,
            introspection=settings.introspection_enabled,
            suggestions=settings.field_suggestions_enabled,
        )


def limit_error(
    message: str,
    limit: str,
    *,
    maximum: int,
    requested: int | None = None,
    node: Node | None = None,
) -> GraphQLError:
    """A request error whose extensions say which limit, what was asked and the maximum."""
    details: dict[str, int] = {"maximum": maximum}
    if requested is not None:
        details = {"requested": requested, **details}
    return GraphQLError(message, node, extensions={limit: details})


type _Fragments = Callable[[str], FragmentDefinitionNode | None]


def _fold(
    selection_set: SelectionSetNode | None,
    fragment: _Fragments,
    on_field: Callable[[FieldNode, int], int],
    combine: Callable[[list[int]], int],
    memo: dict[str, int],
) -> int:
    """Walk a selection set through fragments (each fragment once, cycles ignored: the
    standard rules report them), folding fields with `on_field(field, below)`."""
    if selection_set is None:
        return 0
    values: list[int] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            below = _fold(selection.selection_set, fragment, on_field, combine, memo)
            values.append(on_field(selection, below))
        elif isinstance(selection, InlineFragmentNode):
            values.append(_fold(selection.selection_set, fragment, on_field, combine, memo))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in memo:
                memo[name] = 0  # a cycle through this fragment adds nothing
                definition = fragment(name)
                if definition is not None:
                    memo[name] = _fold(definition.selection_set, fragment, on_field, combine, memo)
            values.append(memo[name])
    return combine(values)


def selection_depth(selection_set: SelectionSetNode, fragment: _Fragments) -> int:
    """How deeply fields nest below the root fields: `{ viewer { user { id } } }` is 2."""
    levels = _fold(
        selection_set,
        fragment,
        lambda field, below: below + 1 if field.selection_set is not None else 1,
        lambda values: max(values, default=0),
        {},
    )
    return max(levels - 1, 0)


def alias_count(selection_set: SelectionSetNode, fragment: _Fragments) -> int:
    """Aliased fields in the operation, each fragment counted at every spread."""
    return _fold(
        selection_set,
        fragment,
        lambda field, below: below + (1 if field.alias is not None else 0),
        sum,
        {},
    )


def _depth_rule(maximum: int) -> type[ASTValidationRule]:
    class MaxDepthRule(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            depth = selection_depth(node.selection_set, self.context.get_fragment)
            if depth > maximum:
                self.report_error(
                    limit_error(
                        f"The operation nests {depth} levels deep; the maximum is {maximum}.",
                        "depth",
                        requested=depth,
                        maximum=maximum,
                        node=node,
                    )
                )

    return MaxDepthRule


def _alias_rule(maximum: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            aliases = alias_count(node.selection_set, self.context.get_fragment)
            if aliases > maximum:
                self.report_error(
                    limit_error(
                        f"The operation uses {aliases} aliases; the maximum is {maximum}.",
                        "aliases",
                        requested=aliases,
                        maximum=maximum,
                        node=node,
                    )
                )

    return MaxAliasesRule


class NoIntrospectionRule(ASTValidationRule):
    """`__schema` and `__type` are refused; `__typename` stays (clients need it)."""

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(GraphQLError("Introspection is disabled on this server.", node))


def limit_rules(limits: QueryLimits) -> list[type[ASTValidationRule]]:
    """The validation rules enforcing `limits`, to run after graphql-core's own."""
    rules = [_depth_rule(limits.max_depth), _alias_rule(limits.max_aliases)]
    if not limits.introspection:
        rules.append(NoIntrospectionRule)
    return rules


def variables_depth_exceeds(variables: object, maximum: int) -> bool:
    """Whether JSON values nest deeper than `maximum` (the variables object is level 1)."""
    level: list[tuple[object, int]] = [(variables, 1)]
    while level:
        value, depth = level.pop()
        children: list[object]
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > maximum:
            return True
        level.extend((child, depth + 1) for child in children)
    return False
