"""The plan cache: one plan per document, operation and shape, in a bounded LRU.

The key is a hash of the document text and the operation name. Within it, a plan also
depends on the few variables that change the statement's shape rather than its
parameters: the booleans of `@skip`/`@include`, the values of `mine` (which list a
connection reads), and whether each `after` variable holds a cursor (the cursor's
condition is left out of the statement when there is none, so PostgreSQL never plans an
`$1 IS NULL OR …` it cannot use an index for). An operation the compiler cannot plan is
remembered as such, so it costs nothing the next time.
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableNode,
    visit,
)
from graphql.execution.values import VariableValues
from graphql.language import Visitor

from nexus.compiled.planner import Plan, plan_operation
from nexus.compiled.selection import Collector, NotCompilableError
from nexus.graphql.document_cache import DocumentCache, document_bytes

__all__ = ["PlanCache", "Unplannable"]

_MAX_SHAPES = 32
# A plan's bytes besides its SQL and string constants: binders, roots (measured: ~1 KB).
_PLAN_BYTES = 2048


@dataclass(frozen=True, slots=True)
class Unplannable:
    reason: str


class _ShapeVariables(Visitor):
    """Collects the variables of `@skip`/`@include` conditions and of `after` arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.flags: set[str] = set()
        self.cursors: set[str] = set()
        self.choices: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_args: object) -> None:
        if node.name.value in ("skip", "include"):
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.flags.add(argument.value.name.value)

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        if node.name.value == "after" and isinstance(node.value, VariableNode):
            self.cursors.add(node.value.name.value)
        if node.name.value == "mine" and isinstance(node.value, VariableNode):
            self.choices.add(node.value.name.value)


@dataclass(slots=True)
class _Family:
    """The plans of one operation of one document, by shape."""

    flags: tuple[str, ...]
    cursors: tuple[str, ...]
    fragments: dict[str, FragmentDefinitionNode]
    choices: tuple[str, ...] = ()
    plans: OrderedDict[tuple[object, ...], Plan | Unplannable] = field(default_factory=OrderedDict)
    # About the bytes it holds: its document (its nodes keep the whole AST), its plans.
    size: int = 0

    def shape(self, values: dict[str, object]) -> tuple[object, ...]:
        return (
            *(values.get(name) for name in self.flags),
            *(isinstance(values.get(name), str) for name in self.cursors),
            *(values.get(name) is not False for name in self.choices),
        )


class PlanCache:
    """Plans by (hash of the document text, operation name, shape), least recently used
    dropped past `size` operations or `max_bytes`. Counts hits and misses for the hit
    rate."""

    def __init__(
        self, schema: GraphQLSchema, *, size: int = 512, max_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self.schema = schema
        self.size = size
        self._families: DocumentCache[bytes, _Family] = DocumentCache(
            max_entries=size, max_bytes=max_bytes
        )
        self.hits = 0
        self.misses = 0

    def plan(
        self,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> Plan | Unplannable:
        name = operation.name.value if operation.name else ""
        key = hashlib.blake2b(f"{name}\n{query}".encode(), digest_size=16).digest()
        family = self._families.get(key)
        if family is None:
            family = self._family(document)
            family.size = document_bytes(query, document)
        values = variables.coerced
        shape = family.shape(values)
        plan = family.plans.get(shape)
        if plan is not None:
            self.hits += 1
            return plan
        self.misses += 1
        plan = self._plan(family, operation, variables, values)
        family.plans[shape] = plan
        family.size += _plan_bytes(plan)
        if len(family.plans) > _MAX_SHAPES:
            family.size -= _plan_bytes(family.plans.popitem(last=False)[1])
        self._families.put(key, family, family.size)
        return plan

    def _family(self, document: DocumentNode) -> _Family:
        found = _ShapeVariables()
        visit(document, found)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        return _Family(
            tuple(sorted(found.flags)),
            tuple(sorted(found.cursors)),
            fragments,
            tuple(sorted(found.choices)),
        )

    def _plan(
        self,
        family: _Family,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        values: dict[str, object],
    ) -> Plan | Unplannable:
        flags = {name: values.get(name) for name in family.flags}
        if not all(isinstance(value, bool) for value in flags.values()):
            return Unplannable("a @skip/@include condition is not a boolean")
        collector = Collector(self.schema, family.fragments, flags)  # type: ignore[arg-type]
        try:
            return plan_operation(self.schema, collector, operation, variables)
        except NotCompilableError as error:
            return Unplannable(str(error))

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def _plan_bytes(plan: Plan | Unplannable) -> int:
    if isinstance(plan, Unplannable):
        return _PLAN_BYTES
    texts = [value for value in plan.constants.values() if isinstance(value, str | bytes)]
    return sys.getsizeof(plan.sql) + sum(map(sys.getsizeof, texts)) + _PLAN_BYTES
