"""The exported schema keeps every name and shape of the client contract
(../shared/spec/contract.graphql and contract-reading.graphql); it may add more.

Parts of the contract that later issues build are listed in PENDING: the test fails when
one of them lands without leaving the list, so the list only ever shrinks.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    ast_from_value,
    build_schema,
    extend_schema,
    parse,
    print_ast,
)

from nexus.graphql.schema import build_schema as build_nexus_schema

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"

# Every part of the contract is served.
PENDING: set[str] = set()


_KINDS: dict[type, type] = {
    kind: kind
    for kind in (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
        GraphQLScalarType,
        GraphQLUnionType,
    )
}


def _contract() -> GraphQLSchema:
    base = build_schema((SPEC / "contract.graphql").read_text())
    return extend_schema(base, parse((SPEC / "contract-reading.graphql").read_text()))


def _differences(contract: GraphQLSchema, ours: GraphQLSchema) -> set[str]:
    missing: set[str] = set()
    for name, expected in contract.type_map.items():
        if name.startswith("__"):
            continue
        actual = ours.type_map.get(name)
        if actual is None or not isinstance(actual, _KINDS[type(expected)]):
            missing.add(name)
            continue
        if isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType)
            missing |= {f"{name}.{v}" for v in expected.values if v not in actual.values}
        elif isinstance(expected, GraphQLUnionType):
            assert isinstance(actual, GraphQLUnionType)
            if {t.name for t in expected.types} - {t.name for t in actual.types}:
                missing.add(name)
        elif isinstance(
            expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            missing |= _field_differences(name, expected, actual)
    return missing


def _field_differences(name: str, expected: object, actual: object) -> set[str]:
    missing: set[str] = set()
    actual_fields = actual.fields  # type: ignore[attr-defined]
    for field_name, field in expected.fields.items():  # type: ignore[attr-defined]
        mine = actual_fields.get(field_name)
        if mine is None or str(mine.type) != str(field.type):
            missing.add(f"{name}.{field_name}")
            continue
        for arg_name, arg in getattr(field, "args", {}).items():
            theirs = mine.args.get(arg_name)
            if theirs is None or str(theirs.type) != str(arg.type):
                missing.add(f"{name}.{field_name}({arg_name})")
            elif _default(theirs) != _default(arg):
                missing.add(f"{name}.{field_name}({arg_name} default)")
    if isinstance(expected, GraphQLObjectType):
        interfaces = {i.name for i in actual.interfaces}  # type: ignore[attr-defined]
        missing |= {f"{name} implements {i.name}" for i in expected.interfaces} - {
            f"{name} implements {i}" for i in interfaces
        }
    return missing


def _default(argument: GraphQLArgument) -> str | None:
    """The argument's default as GraphQL text (an SDL-built schema keeps it as syntax)."""
    if argument.ast_node is not None and argument.ast_node.default_value is not None:
        return print_ast(argument.ast_node.default_value)
    if argument.default_value is Undefined:
        return None
    node = ast_from_value(argument.default_value, argument.type)
    return None if node is None else print_ast(node)


def test_the_schema_keeps_every_name_and_shape_of_the_contract() -> None:
    ours = build_nexus_schema()._schema
    assert _differences(_contract(), ours) == PENDING
