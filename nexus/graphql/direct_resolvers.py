"""Fields computed by a method taking only `self` (global ids, cursors) are called
directly, and plain attributes are read directly.

Strawberry resolves such a field through its general chain: a new Info object, argument
conversion, the field-extension chain, then the method (or `getattr`). None of it applies
to a method with no arguments, no Info and no extensions, nor to an attribute: on the
resolver path's library page (two such methods per edge, 50 edges) the methods were a
tenth of the request's CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

__all__ = ["call_self_only_methods_directly", "direct_method"]

# The field's extensions keep the method, for `direct_execution`.
_DIRECT_METHOD = "nexus.direct_method"


def _direct(method: Callable[[object], object]) -> Callable[[object, GraphQLResolveInfo], object]:
    def resolve(source: object, _info: GraphQLResolveInfo) -> object:
        return method(source)

    return resolve


def _self_only_method(field: object) -> Callable[[object], object] | None:
    """The method, or for a plain attribute its getter, that resolves `field` alone."""
    if not isinstance(field, StrawberryField) or field.extensions or field.arguments:
        return None
    resolver = field.base_resolver
    if resolver is None:
        return attrgetter(field.python_name) if field.is_basic_field else None
    if resolver.is_async or resolver.self_parameter is None:
        return None
    if len(resolver.signature.parameters) != 1:
        return None
    return resolver.wrapped_func  # type: ignore[return-value]


def call_self_only_methods_directly(schema: strawberry.Schema) -> int:
    """Point every such field of `schema` at its method or attribute getter; the number
    of fields changed. Strawberry's default resolver is `getattr`, as here."""
    assert schema.config.default_resolver is getattr
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get(
                GraphQLCoreConverter.DEFINITION_BACKREF
            )
            method = _self_only_method(definition)
            if method is not None:
                graphql_field.resolve = _direct(method)
                graphql_field.extensions[_DIRECT_METHOD] = method
                changed += 1
    return changed


def direct_method(field: GraphQLField) -> Callable[[object], object] | None:
    """The method or attribute getter that resolves `field`, if it is direct."""
    return (field.extensions or {}).get(_DIRECT_METHOD)
