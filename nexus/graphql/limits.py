"""Limits on what one GraphQL request may ask, checked before anything executes.

Depth, aliases and introspection are validation rules run with graphql-core's own, so
they are cached with the document's validation result; the token bound is the parser's.
graphql-core's check that same-named fields merge runs on a smaller budget of work.
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
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    ValidationContext,
    specified_rules,
)
from graphql.validation.validate import ValidationAbortedError

from nexus.config import Settings

__all__ = [
    "FIELD_MERGING_BUDGET",
    "QueryLimits",
    "alias_count",
    "limit_error",
    "selection_depth",
    "validation_rules",
    "variables_depth_exceeds",
]

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Units of graphql-core's meter of the field-merging check (quadratic in the fields that
# share a response name). Its own budget, 500,000, let one 2,000-token document take
# 0.8 s of CPU; 20,000 takes 0.03-0.06 s, and every operation of the client contract,
# all in one document, spends under 300.
FIELD_MERGING_BUDGET = 20_000


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


class BoundedFieldMergingRule(OverlappingFieldsCanBeMergedRule):
    """graphql-core's check that same-named fields can merge, within
    FIELD_MERGING_BUDGET, refusing past it with an error that names the limit."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = FIELD_MERGING_BUDGET

    def enter_selection_set(
        self, node: SelectionSetNode, key: object, parent: object, *args: object
    ) -> None:
        try:
            super().enter_selection_set(node, key, parent, *args)
        except ValidationAbortedError:
            # graphql-core's own error says only "Validation aborted."; this one still
            # aborts the validation, which keeps it as the document's error.
            raise ValidationAbortedError(
                "Checking that the document's fields of the same name can merge takes "
                f"more than {FIELD_MERGING_BUDGET} steps: select each field once per "
                "object, and spread fewer overlapping fragments.",
                extensions={"fieldMerging": {"maximum": FIELD_MERGING_BUDGET}},
            ) from None


def validation_rules(limits: QueryLimits) -> tuple[type[ASTValidationRule], ...]:
    """graphql-core's rules (the field-merging check bounded), then those enforcing
    `limits`."""
    rules: list[type[ASTValidationRule]] = [
        BoundedFieldMergingRule if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in specified_rules
    ]
    rules += [_depth_rule(limits.max_depth), _alias_rule(limits.max_aliases)]
    if not limits.introspection:
        rules.append(NoIntrospectionRule)
    return tuple(rules)


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
