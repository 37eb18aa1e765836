"""Prepares (parse, validate, select operation; cached) and executes GraphQL operations."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable

__all__ = ["GraphQLExecutor", "PreparedOperation", "RequestError"]


class RequestError(Exception):
    """The document or its variables are not a valid request; carries GraphQL errors."""

    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors[0].message if errors else "invalid request")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    document: DocumentNode
    operation: OperationDefinitionNode
    operation_name: str | None

    @property
    def kind(self) -> OperationType:
        return self.operation.operation


class _LRU[K, V]:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


class GraphQLExecutor:
    """Executes against a Strawberry schema with our own request pipeline.

    Parsing and validation results are cached per document text (bounded LRU), so a
    repeated operation costs neither again.
    """

    def __init__(self, schema: Schema, *, cache_size: int = 512) -> None:
        self.schema = schema
        self.graphql_schema: GraphQLSchema = schema._schema
        self._documents: _LRU[str, DocumentNode | RequestError] = _LRU(cache_size)

    def _document(self, query: str) -> DocumentNode:
        cached = self._documents.get(query)
        if cached is None:
            try:
                document = parse(query)
            except GraphQLError as error:
                cached = RequestError([error])
            else:
                errors = validate(self.graphql_schema, document)
                cached = RequestError(list(errors)) if errors else document
            self._documents.put(query, cached)
        if isinstance(cached, RequestError):
            raise cached
        return cached

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        """Parse, validate and select the operation, or raise `RequestError`."""
        document = self._document(query)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"Unknown operation named '{operation_name}'."
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            raise RequestError([GraphQLError(message)])
        if operation.operation is OperationType.SUBSCRIPTION:
            raise RequestError([GraphQLError("Subscriptions are not supported.")])
        return PreparedOperation(document, operation, operation_name)

    def check_variables(self, prepared: PreparedOperation, variables: dict[str, Any]) -> None:
        """Raise `RequestError` when the variables do not coerce to their definitions."""
        coerced = get_variable_values(
            self.graphql_schema, prepared.operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):
            raise RequestError(coerced)

    async def execute(
        self, prepared: PreparedOperation, variables: dict[str, Any], context: object
    ) -> ExecutionResult:
        result = execute(
            self.graphql_schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=prepared.operation_name,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,
        )
        if optimized_is_awaitable(result):
            result = await result  # type: ignore[misc]
        return result  # type: ignore[return-value]
