"""Resolvers that need nothing of Strawberry's resolver chain are called directly.

Strawberry resolves every field through its general chain: a new Info object, argument
conversion (names and input types), the field-extension chain, then the method (or
`getattr`). Of that chain,

- a plain attribute, or a method taking only `self` (global ids, cursors), needs
  nothing: it is read or called as it is, and `direct_execution` may complete it with
  its subtree in one pass;
- any other method of `self`, `info` and arguments of plain scalar types (the
  connections' `first` and `after`), async or not, needs only the Info object and the
  arguments' Python names: Strawberry hands such values over unchanged.

Neither may have field extensions (permissions are extensions too), and the schema may
have no exception handlers. On the resolver path's library page the self-only methods
were a tenth of the request's CPU (two per edge, 50 edges); on the deep query argument
conversion alone was 6 % (400 `fragments(first: 3)` per request).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLFieldResolver, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

__all__ = ["call_resolvers_directly", "direct_method"]

# The field's extensions keep the method, for `direct_execution`.
_DIRECT_METHOD = "nexus.direct_method"

_PLAIN_SCALARS: tuple[object, ...] = (int, float, str, bool, strawberry.ID)


def _direct(method: Callable[[object], object]) -> GraphQLFieldResolver:
    def resolve(source: object, _info: GraphQLResolveInfo[Any]) -> object:
        return method(source)

    return resolve


def _self_only_method(field: StrawberryField) -> Callable[[object], object] | None:
    """The method, or for a plain attribute its getter, that resolves `field` alone."""
    if field.extensions or field.arguments:
        return None
    resolver = field.base_resolver
    if resolver is None:
        return attrgetter(field.python_name) if field.is_basic_field else None
    if resolver.is_async or resolver.self_parameter is None:
        return None
    if len(resolver.signature.parameters) != 1:
        return None
    return resolver.wrapped_func  # type: ignore[return-value]


def _passes_through(argument: StrawberryArgument) -> bool:
    """Whether Strawberry hands this argument's value to the resolver unchanged."""
    argument_type = argument.type
    if isinstance(argument_type, StrawberryMaybe):
        return False
    if isinstance(argument_type, StrawberryOptional):
        argument_type = argument_type.of_type
    return any(argument_type is scalar for scalar in _PLAIN_SCALARS)


def _method_call(schema: strawberry.Schema, field: StrawberryField) -> GraphQLFieldResolver | None:
    """A resolver calling the method of `field` (async too) with its Info, if it asks for
    it, and its arguments, if they are plain scalars."""
    resolver = field.base_resolver
    if field.extensions or resolver is None or resolver.self_parameter is None:
        return None
    if not all(_passes_through(argument) for argument in field.arguments):
        return None
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None
    expected = {resolver.self_parameter.name, *(a.python_name for a in field.arguments)}
    if info_name is not None:
        expected.add(info_name)
    if set(resolver.signature.parameters) != expected:
        return None
    from_argument = schema.config.name_converter.from_argument
    names = tuple((from_argument(a), a.python_name) for a in field.arguments)
    info_class = schema.config.info_class
    method = resolver.wrapped_func
    if not callable(method):  # a classmethod: Strawberry's chain binds it to the type
        return None

    def resolve(source: object, info: GraphQLResolveInfo[Any], **values: object) -> object:
        # graphql-core leaves out an argument that has no value and no default: the
        # method's own default applies, as through Strawberry.
        arguments = {python: values[graphql] for graphql, python in names if graphql in values}
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=field)
        return method(source, **arguments)

    return resolve


def call_resolvers_directly(schema: strawberry.Schema) -> int:
    """Point every such field of `schema` at a direct resolver; the number of fields
    changed. Strawberry's default resolver is `getattr`, as here."""
    if schema.config.default_resolver is not getattr:
        raise ValueError("direct resolvers read attributes as getattr does: keep the default")
    if schema.exception_handlers:
        raise ValueError("direct resolvers bypass Strawberry's exception handlers: remove them")
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get(
                GraphQLCoreConverter.DEFINITION_BACKREF
            )
            if not isinstance(definition, StrawberryField):
                continue
            method = _self_only_method(definition)
            if method is not None:
                graphql_field.resolve = _direct(method)
                graphql_field.extensions[_DIRECT_METHOD] = method
                changed += 1
                continue
            resolve = _method_call(schema, definition)
            if resolve is not None:
                graphql_field.resolve = resolve
                changed += 1
    return changed


def direct_method(field: GraphQLField) -> Callable[[object], object] | None:
    """The method or attribute getter that resolves `field`, if it takes only `self`."""
    return (field.extensions or {}).get(_DIRECT_METHOD)
