"""Prepares (parse, validate, limits, select operation; cached) and executes operations.

Everything that depends only on the document text (parsing under the token bound,
validation with the depth, alias and introspection rules, each operation's cost shape)
is computed once and kept in a bounded LRU, so a repeated operation pays for none of it:
per request only the variables are coerced and the cost is evaluated.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Source,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable

from nexus.errors import ErrorCode, NexusError
from nexus.graphql.cost import CostShape, build_cost_shape
from nexus.graphql.document_cache import DocumentCache, document_bytes
from nexus.graphql.limits import (
    QueryLimits,
    limit_error,
    validation_rules,
    variables_depth_exceeds,
)

__all__ = ["GraphQLExecutor", "PreparedOperation", "RequestError"]

logger = logging.getLogger("nexus.graphql")

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# Failed documents longer than this are not cached: 2,000 tokens of ordinary text take
# 10-20 KB, so only documents padded with long literals or comments are left out.
LARGEST_FAILURE_KEPT = 32 * 1024
# What one error's data holds besides its message.
ERROR_BYTES = 512


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
    cost: CostShape

    @property
    def kind(self) -> OperationType:
        return self.operation.operation


@dataclass(slots=True)
class _ValidDocument:
    document: DocumentNode
    # Built on first use of each operation of the document.
    costs: dict[str | None, CostShape] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _ErrorData:
    """What the response says of one error: no exception is kept, so none is raised twice
    (a re-raised exception's traceback grows on every raise, holding each request's
    frames), and no AST nodes are kept (they hold the document's whole token list)."""

    message: str
    source: Source | None
    positions: tuple[int, ...] | None
    extensions: dict[str, Any] | None

    @classmethod
    def of(cls, error: GraphQLError) -> _ErrorData:
        positions = tuple(error.positions) if error.positions is not None else None
        return cls(error.message, error.source, positions, error.extensions)

    def error(self) -> GraphQLError:
        positions = list(self.positions) if self.positions is not None else None
        return GraphQLError(
            self.message, source=self.source, positions=positions, extensions=self.extensions
        )


@dataclass(frozen=True, slots=True)
class _InvalidDocument:
    errors: tuple[_ErrorData, ...]

    def request_error(self) -> RequestError:
        """A new exception each time it is raised."""
        return RequestError([data.error() for data in self.errors])


def _invalid(query: str, errors: list[GraphQLError]) -> tuple[_InvalidDocument, int]:
    """The errors' data, and about how many bytes it holds with the document's text."""
    size = document_bytes(query, None)
    size += sum(sys.getsizeof(error.message) + ERROR_BYTES for error in errors)
    return _InvalidDocument(tuple(map(_ErrorData.of, errors))), size


class GraphQLExecutor:
    """Executes against a Strawberry schema with our own request pipeline, within
    `limits`; parsing, validation and cost shapes are cached per document text."""

    def __init__(
        self,
        schema: Schema,
        *,
        limits: QueryLimits | None = None,
        cache_size: int = 512,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        self.schema = schema
        self.graphql_schema: GraphQLSchema = schema._schema
        self.limits = limits or QueryLimits()
        self._rules = validation_rules(self.limits)
        self._documents: DocumentCache[str, _ValidDocument | _InvalidDocument] = DocumentCache(
            max_entries=cache_size, max_bytes=cache_bytes
        )

    def _parse_and_validate(self, query: str) -> tuple[_ValidDocument | _InvalidDocument, int]:
        """The document or its errors, and about how many bytes they hold."""
        maximum = self.limits.max_tokens
        try:
            document = parse(query, max_lexical_tokens=maximum, max_comments=maximum)
        except GraphQLError as error:
            if "more than" in error.message and "Parsing aborted" in error.message:
                error.extensions = {"tokens": {"maximum": maximum}}
            return _invalid(query, [error])
        errors = validate(
            self.graphql_schema,
            document,
            self._rules,
            hide_suggestions=not self.limits.suggestions,
        )
        if errors:
            return _invalid(query, errors)
        return _ValidDocument(document), document_bytes(query, document)

    def _document(self, query: str) -> _ValidDocument:
        cached = self._documents.get(query)
        if cached is None:
            cached, size = self._parse_and_validate(query)
            # A failed document is kept to spare a client that repeats it the work, but
            # not a large one: that is a padded, hostile one, and it would push out the
            # documents of many well-behaved requests.
            if isinstance(cached, _ValidDocument) or len(query) <= LARGEST_FAILURE_KEPT:
                self._documents.put(query, cached, size)
        if isinstance(cached, _InvalidDocument):
            raise cached.request_error()
        return cached

    def prepare(
        self, query: str, operation_name: str | None, *, subscriptions: bool = False
    ) -> PreparedOperation:
        """Parse, validate, check the document's limits and select the operation, or
        raise `RequestError`. Subscriptions only where they are served (WebSocket)."""
        valid = self._document(query)
        document = valid.document
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"Unknown operation named '{operation_name}'."
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            raise RequestError([GraphQLError(message)])
        if operation.operation is OperationType.SUBSCRIPTION and not subscriptions:
            raise RequestError([GraphQLError("Subscriptions are served over WebSocket.")])
        key = operation.name.value if operation.name else None
        cost = valid.costs.get(key)
        if cost is None:
            cost = valid.costs[key] = build_cost_shape(self.graphql_schema, document, operation)
        return PreparedOperation(document, operation, operation_name, cost)

    def admit(self, prepared: PreparedOperation, variables: dict[str, Any]) -> int:
        """Check the variables (nesting, coercion) and the operation's cost under them;
        return the cost, or raise `RequestError`."""
        maximum_depth = self.limits.max_variables_depth
        if variables_depth_exceeds(variables, maximum_depth):
            message = f"Variables nest deeper than {maximum_depth} levels."
            raise RequestError([limit_error(message, "variablesDepth", maximum=maximum_depth)])
        coerced = get_variable_values(
            self.graphql_schema,
            prepared.operation.variable_definitions or (),
            variables,
            hide_suggestions=not self.limits.suggestions,
        )
        if isinstance(coerced, list):
            raise RequestError(coerced)
        requested = prepared.cost.requested(coerced.coerced)
        maximum = self.limits.max_cost
        if requested > maximum:
            message = (
                f"The operation may return {requested} nodes; the maximum is {maximum}. "
                "Ask for smaller pages (`first`) or fewer nested connections."
            )
            raise RequestError([limit_error(message, "cost", requested=requested, maximum=maximum)])
        return requested

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        context: object,
        *,
        root_value: object = None,
    ) -> ExecutionResult:
        """Run the operation (a subscription's: on one event, its `root_value`); past the
        operation time limit it is cancelled and answers `data: null` with one E_TIMEOUT
        error."""
        result = execute(
            self.graphql_schema,
            prepared.document,
            root_value=root_value,
            context_value=context,
            variable_values=variables,
            operation_name=prepared.operation_name,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # bool, not a TypeGuard
            hide_suggestions=not self.limits.suggestions,
        )
        if not optimized_is_awaitable(result):
            return result  # type: ignore[return-value]
        seconds = self.limits.operation_timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                return await result  # type: ignore[misc, no-any-return]
        except TimeoutError:
            logger.warning("operation %s cancelled after %ss", prepared.operation_name, seconds)
            error = NexusError(
                ErrorCode.E_TIMEOUT,
                f"The operation took longer than {seconds:g} seconds and was stopped.",
            )
            return ExecutionResult(None, [GraphQLError(error.message, original_error=error)])
