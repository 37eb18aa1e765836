"""Per request, the arguments of a plan's fields become bound parameters.

Each binder reads its field's arguments exactly as execution would (graphql-core's
`get_argument_values` over the coerced variables), decodes them with the resolver path's
own functions (`decode_global_id`, `decode_node_ref`, `decode_page`) and stores the
values under the parameter names its SQL uses. A bad id at a root field is that field's
error (null, E_INVALID_REQUEST at its path) and the rest of the operation runs; a bad page
size or cursor below the root depends on whether its parent exists, so the request goes
to the resolver path (`ResolverPathError`), which answers it with the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values

from nexus.errors import NexusError
from nexus.graphql.cursors import CursorKind
from nexus.graphql.global_ids import decode_global_id
from nexus.graphql.node_lookup import decode_node_ref
from nexus.graphql.pagination import decode_page
from nexus.graphql.queries import MAX_NODES

__all__ = ["Binder", "Bound", "IdBinder", "NodeBinder", "NodesBinder", "PageBinder"]


class ResolverPathError(Exception):
    """This request's answer depends on what only the resolver path decides."""


@dataclass(slots=True)
class Bound:
    """One request's parameters, and what its root fields learned while decoding."""

    params: dict[str, Any]
    invalid: dict[str, NexusError] = field(default_factory=dict)  # root key -> id error
    types: dict[str, str | None] = field(default_factory=dict)  # node key -> type name
    item_types: dict[str, list[str | None]] = field(default_factory=dict)  # nodes
    item_errors: dict[str, dict[int, NexusError]] = field(default_factory=dict)


def _arguments(
    definition: GraphQLField, node: FieldNode, variables: VariableValues
) -> dict[str, Any]:
    return get_argument_values(definition, node, variables)


@dataclass(frozen=True, slots=True)
class PageBinder:
    """`first`/`after` of one connection field: `first`, `first + 1` and the cursor's key."""

    definition: GraphQLField
    node: FieldNode
    kind: CursorKind
    first: str | None  # None: the plan holds the document's page size as a constant
    limit: str | None
    after: tuple[str, ...]  # empty when this plan's shape has no cursor here

    def bind(self, variables: VariableValues, bound: Bound) -> None:
        arguments = _arguments(self.definition, self.node, variables)
        try:
            first, after = decode_page(arguments.get("first"), arguments.get("after"), self.kind)
        except NexusError:
            raise ResolverPathError("page arguments") from None
        if (after is None) != (not self.after):
            raise ResolverPathError("cursor presence differs from the plan")
        if self.first is not None and self.limit is not None:
            bound.params[self.first] = first
            bound.params[self.limit] = first + 1
        for name, value in zip(self.after, after or (), strict=True):
            bound.params[name] = value


@dataclass(frozen=True, slots=True)
class IdBinder:
    """`library(id:)`/`media(id:)`: the uuid of a global id of one type."""

    key: str
    definition: GraphQLField
    node: FieldNode
    type_name: str
    param: str

    def bind(self, variables: VariableValues, bound: Bound) -> None:
        value = _arguments(self.definition, self.node, variables)["id"]
        try:
            (bound.params[self.param],) = decode_global_id(value, self.type_name)
        except NexusError as error:
            bound.invalid[self.key] = error
            bound.params[self.param] = None


def _node_ref(value: str) -> tuple[str, UUID, UUID | None]:
    ref = decode_node_ref(value)
    return ref.type_name, ref.ids[0], ref.ids[1] if len(ref.ids) > 1 else None


@dataclass(frozen=True, slots=True)
class NodeBinder:
    """`node(id:)`: the type a global id names and its one or two uuids."""

    key: str
    definition: GraphQLField
    node: FieldNode
    params: tuple[str, str, str]  # type, first uuid, second uuid

    def bind(self, variables: VariableValues, bound: Bound) -> None:
        value = _arguments(self.definition, self.node, variables)["id"]
        try:
            decoded: tuple[str | None, UUID | None, UUID | None] = _node_ref(value)
        except NexusError as error:
            bound.invalid[self.key] = error
            decoded = (None, None, None)
        bound.types[self.key] = decoded[0]
        bound.params.update(zip(self.params, decoded, strict=True))


@dataclass(frozen=True, slots=True)
class NodesBinder:
    """`nodes(ids:)`: parallel arrays of types and uuids, one entry per id."""

    key: str
    definition: GraphQLField
    node: FieldNode
    params: tuple[str, str, str]

    def bind(self, variables: VariableValues, bound: Bound) -> None:
        ids = _arguments(self.definition, self.node, variables)["ids"]
        if len(ids) > MAX_NODES:
            raise ResolverPathError("too many ids")
        types: list[str | None] = []
        firsts: list[UUID | None] = []
        seconds: list[UUID | None] = []
        errors: dict[int, NexusError] = {}
        for index, value in enumerate(ids):
            try:
                type_name, first, second = _node_ref(value)
            except NexusError as error:
                errors[index] = error
                type_name, first, second = None, None, None
            types.append(type_name)
            firsts.append(first)
            seconds.append(second)
        bound.item_types[self.key] = types
        bound.item_errors[self.key] = errors
        bound.params.update(zip(self.params, (types, firsts, seconds), strict=True))


Binder = PageBinder | IdBinder | NodeBinder | NodesBinder
