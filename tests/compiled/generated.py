"""Operations generated from the schema with hypothesis-graphql, then varied: literal
arguments moved into variables, inline fragments turned into named fragments, and
`@include`/`@skip` on fields, so every feature the compiler plans is exercised."""

from __future__ import annotations

import random
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    value_from_ast,
    visit,
)
from graphql.language import VariableDefinitionNode, VariableNode
from graphql.utilities import ast_from_value
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from tests.compiled.world import World


def operations(schema: GraphQLSchema, world: World) -> st.SearchStrategy[str]:
    """Valid query documents whose ids, cursors and page sizes point into `world`."""
    return queries(
        schema,
        custom_scalars={
            "ID": st.sampled_from(world.ids).map(nodes.String),
            "String": st.sampled_from(world.cursors).map(nodes.String),
            "Int": st.sampled_from([0, 1, 2, 3, 5, 100, 200, 201, -1]).map(nodes.Int),
        },
        allow_x00=False,
        allow_null=True,
    )


class _ToVariables(Visitor):
    def __init__(self, type_info: TypeInfo, rng: random.Random) -> None:
        super().__init__()
        self.type_info = type_info
        self.rng = rng
        self.definitions: list[VariableDefinitionNode] = []
        self.values: dict[str, Any] = {}

    def enter_argument(self, node: ArgumentNode, *_args: object) -> ArgumentNode | None:
        argument = self.type_info.get_argument()
        if argument is None or isinstance(node.value, VariableNode) or self.rng.random() < 0.4:
            return None
        name = f"v{len(self.definitions)}"
        type_node = _type_node(argument.type)
        self.definitions.append(
            VariableDefinitionNode(variable=VariableNode(name=NameNode(value=name)), type=type_node)
        )
        self.values[name] = value_from_ast(node.value, argument.type)
        return ArgumentNode(name=node.name, value=VariableNode(name=NameNode(value=name)))


def _type_node(type_: Any) -> Any:
    return parse(f"query($x: {type_}) {{ __typename }}").definitions[0].variable_definitions[0].type  # type: ignore[union-attr]


class _NamedFragments(Visitor):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng
        self.definitions: list[FragmentDefinitionNode] = []

    def leave_inline_fragment(self, node: InlineFragmentNode, *_args: object) -> Any:
        if node.type_condition is None or self.rng.random() < 0.5:
            return None
        name = NameNode(value=f"F{len(self.definitions)}")
        self.definitions.append(
            FragmentDefinitionNode(
                name=name, type_condition=node.type_condition, selection_set=node.selection_set
            )
        )
        return FragmentSpreadNode(name=name, directives=())


class _Directives(Visitor):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng
        self.flags: dict[str, bool] = {}

    def enter_field(self, node: FieldNode, *_args: object) -> Any:
        if self.rng.random() > 0.15:
            return None
        name = "include" if self.rng.random() < 0.5 else "skip"
        if self.rng.random() < 0.5:
            value: Any = BooleanValueNode(value=self.rng.random() < 0.5)
        else:
            flag = f"f{len(self.flags)}"
            self.flags[flag] = self.rng.random() < 0.5
            value = VariableNode(name=NameNode(value=flag))
        directive = DirectiveNode(
            name=NameNode(value=name),
            arguments=(ArgumentNode(name=NameNode(value="if"), value=value),),
        )
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=(*(node.directives or ()), directive),
            selection_set=node.selection_set,
        )


def varied(schema: GraphQLSchema, query: str, seed: int) -> tuple[str, dict[str, Any]]:
    """The query with some arguments as variables, some inline fragments named, and some
    fields under `@include`/`@skip`; and the variables' values."""
    rng = random.Random(seed)  # noqa: S311  (variety, not secrecy)
    document: DocumentNode = parse(query)
    type_info = TypeInfo(schema)
    to_variables = _ToVariables(type_info, rng)
    document = visit(document, TypeInfoVisitor(type_info, to_variables))
    named = _NamedFragments(rng)
    document = visit(document, named)
    directives = _Directives(rng)
    document = visit(document, directives)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    flag_definitions = [
        VariableDefinitionNode(
            variable=VariableNode(name=NameNode(value=flag)),
            type=NamedTypeNode(name=NameNode(value="Boolean")),
            default_value=ast_from_value(False, schema.type_map["Boolean"]),  # type: ignore[arg-type]
        )
        for flag in directives.flags
    ]
    operation = OperationDefinitionNode(
        operation=operation.operation,
        name=NameNode(value="Generated"),
        variable_definitions=(*to_variables.definitions, *flag_definitions),
        directives=(),
        selection_set=operation.selection_set,
    )
    document = DocumentNode(definitions=(operation, *named.definitions))
    return print_ast(document), {**to_variables.values, **directives.flags}
