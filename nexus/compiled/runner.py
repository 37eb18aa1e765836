"""Answers a query operation with its one compiled statement, or hands it back.

After admission (limits, cost) and identity, the endpoint asks `CompiledReads.respond`
for the response body. It finds or makes the plan, binds the request's arguments, runs
the statement and writes the JSON text PostgreSQL built between the response's other
members, without parsing it. It returns None when the resolver path must answer: the
operation is not covered, an argument below the root is bad, or a non-null object was
missing. Those fallbacks are counted and logged at debug level.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson
from graphql import GraphQLError, GraphQLSchema
from graphql.execution.values import get_variable_values
from psycopg import AsyncRawCursor
from psycopg.abc import Buffer
from psycopg.adapt import Loader

from nexus.compiled.arguments import Bound, ResolverPathError
from nexus.compiled.encoding import SENTINEL
from nexus.compiled.planner import Plan, RootField
from nexus.compiled.plans import PlanCache, Unplannable
from nexus.db.engine import Database, DriverConnection
from nexus.errors import ErrorCode, NexusError
from nexus.graphql.errors import format_execution_error
from nexus.graphql.execution import PreparedOperation
from nexus.graphql.node_lookup import not_found
from nexus.services.library_access import library_not_found
from nexus.services.media import media_not_found

__all__ = ["CompiledReads"]

logger = logging.getLogger("nexus.compiled")


class CompiledReads:
    """The compiled read path of one process: its plan cache and its counters."""

    def __init__(
        self,
        schema: GraphQLSchema,
        database: Database,
        *,
        operation_timeout_seconds: float,
        cache_size: int = 512,
        cache_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.schema = schema
        self.database = database
        self.timeout = operation_timeout_seconds
        self.plans = PlanCache(schema, size=cache_size, max_bytes=cache_bytes)
        if schema.query_type is None:
            raise ValueError("compiled reads need a schema with a query type")
        self.typename = orjson.dumps(schema.query_type.name)
        self.answered = 0
        self.fallbacks: Counter[str] = Counter()

    def stats(self) -> str:
        return (
            f"compiled reads: {self.answered} answered, {sum(self.fallbacks.values())} to the "
            f"resolver path {dict(self.fallbacks)}, plan cache hit rate "
            f"{self.plans.hit_rate:.1%} ({self.plans.hits} hits, {self.plans.misses} misses)"
        )

    def _fallback(self, prepared: PreparedOperation, reason: str) -> None:
        """Count and log a request the resolver path answers."""
        self.fallbacks[reason] += 1
        logger.debug("operation %s goes to the resolver path: %s", prepared.operation_name, reason)

    async def respond(
        self,
        query: str,
        prepared: PreparedOperation,
        *,
        variables: dict[str, Any],
        viewer_id: UUID,
        request_id: str,
        extensions: dict[str, Any],
    ) -> bytes | None:
        """The response body, or None when the resolver path must answer."""
        planned = self._plan(query, prepared, variables, viewer_id)
        if planned is None:
            return None
        plan, bound = planned
        try:
            # Only `__typename` or bad ids: the answer is known before any SQL.
            row = _decided(plan, bound, self.typename) or await self._run(plan, bound, prepared)
        except NexusError as error:  # the database failed or took too long
            return self._failure(error, request_id, extensions)
        body = _body(plan, row, bound, request_id, extensions)
        if plan.guarded and SENTINEL in body:
            self._fallback(prepared, "a non-null object is missing")
            return None
        self.answered += 1
        return body

    def _plan(
        self,
        query: str,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        viewer_id: UUID,
    ) -> tuple[Plan, Bound] | None:
        coerced = get_variable_values(
            self.schema, prepared.operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):  # admission coerced them already
            self._fallback(prepared, "variables")
            return None
        plan = self.plans.plan(query, prepared.document, prepared.operation, coerced)
        if isinstance(plan, Unplannable):
            self._fallback(prepared, plan.reason)
            return None
        bound = Bound({**plan.constants, "viewer": viewer_id})
        try:
            for binder in plan.binders:
                binder.bind(coerced, bound)
        except ResolverPathError as error:
            self._fallback(prepared, str(error))
            return None
        return plan, bound

    async def _run(self, plan: Plan, bound: Bound, prepared: PreparedOperation) -> Sequence[Any]:
        try:
            async with asyncio.timeout(self.timeout):
                async with self.database.driver_connection() as connection:
                    values = [bound.params[name] for name in plan.parameters]
                    return await _execute(connection, plan.sql, values)
        except TimeoutError:
            logger.warning(
                "operation %s cancelled after %ss", prepared.operation_name, self.timeout
            )
            raise NexusError(
                ErrorCode.E_TIMEOUT,
                f"The operation took longer than {self.timeout:g} seconds and was stopped.",
            ) from None

    def _failure(self, error: NexusError, request_id: str, extensions: dict[str, Any]) -> bytes:
        formatted = format_execution_error(
            GraphQLError(error.message, original_error=error), request_id
        )
        return orjson.dumps({"errors": [formatted], "data": None, "extensions": extensions})


class _RawJson(Loader):
    """`json` values as the bytes PostgreSQL sent: the runner writes them as they are."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


async def _execute(connection: DriverConnection, sql: str, params: list[Any]) -> Sequence[Any]:
    """The statement's one row, run on the driver's own connection.

    SQLAlchemy's execution layer cost about 150 us of CPU per request (an eighth of a small
    read) and adds nothing to one statement whose SQL and parameters are final. Where a
    SQLAlchemy connection wraps the driver's (a test's pinned one), its cursor event fires,
    so statement counters see the statement.
    """
    async with AsyncRawCursor(connection.driver) as cursor:
        # `json` loaded as bytes by this cursor only (about 1 us): the pooled connection
        # goes on to serve other reads, which must get json and jsonb parsed as usual.
        cursor.adapters.register_loader("json", _RawJson)
        connection.announce(cursor, sql, params)
        await cursor.execute(sql, params)
        row: Sequence[Any] | None = await cursor.fetchone()
    if row is None:  # a SELECT without FROM always answers one row
        raise RuntimeError("the compiled statement answered no row")
    return row


def _decided(plan: Plan, bound: Bound, typename: bytes) -> list[Any] | None:
    """The statement's row when no root field needs SQL: `__typename`, or null for a bad
    id."""
    row: list[Any] = []
    for root in plan.roots:
        if root.kind == "typename":
            row.append(typename)
        elif root.kind == "nodes":
            items = bound.item_types[root.key]
            if len(bound.item_errors[root.key]) < len(items):
                return None
            row += [("[" + ",".join("null" for _ in items) + "]").encode(), None]
        elif root.key in bound.invalid:
            row.append(None)
        else:
            return None
    return row


def _root_error(root: RootField, bound: Bound) -> NexusError:
    invalid = bound.invalid.get(root.key)
    if invalid is not None:
        return invalid
    if root.kind == "library":
        return library_not_found()
    if root.kind == "media":
        return media_not_found()
    return not_found(_decoded_type(bound.types[root.key]))


def _located(
    error: NexusError, root: RootField, path: list[str | int], request_id: str
) -> dict[str, Any]:
    located = GraphQLError(
        error.message, nodes=list(root.field.nodes), path=path, original_error=error
    )
    return format_execution_error(located, request_id)


def _body(
    plan: Plan,
    row: Sequence[Any],
    bound: Bound,
    request_id: str,
    extensions: dict[str, Any],
) -> bytes:
    parts: list[bytes] = []
    errors: list[Any] = []
    column = 0
    for root in plan.roots:
        value = row[column]
        column += 1
        if root.kind == "nodes":
            missing = set(row[column] or ())
            column += 1
            item_errors = bound.item_errors[root.key]
            for index, type_name in enumerate(bound.item_types[root.key]):
                error = item_errors.get(index)
                if error is None and index + 1 in missing:
                    error = not_found(_decoded_type(type_name))
                if error is not None:
                    errors.append(_located(error, root, [root.key, index], request_id))
        elif value is None:
            errors.append(_located(_root_error(root, bound), root, [root.key], request_id))
        parts += [b',"', root.key.encode(), b'":', b"null" if value is None else value]
    if parts:
        parts[0] = b'"'  # no comma before the first member
    head = b'{"errors":' + orjson.dumps(errors) + b',"data":{' if errors else b'{"data":{'
    tail = b'},"extensions":' + orjson.dumps(extensions) + b"}"
    return b"".join([head, *parts, tail])


def _decoded_type(type_name: str | None) -> str:
    """The type of a well-formed id (a malformed one was answered as invalid before)."""
    if type_name is None:
        raise RuntimeError("a missing node whose id named no type")
    return type_name
