"""A `subscribe` message's payload made into an operation, under the HTTP path's limits.

The document goes through the same executor as over HTTP (parse under the token bound,
validation with depth, alias and introspection rules, the cost of its variables); only
subscription operations are served here. A refusal is the `error` message's payload:
the errors in the shape of transport.md, E_INVALID_REQUEST with the limit's details.
"""

from __future__ import annotations

from uuid import UUID

import orjson
from graphql import GraphQLError, OperationType
from graphql.execution.values import get_variable_values

from nexus.app.websocket_operation import OperationSession, SubscriptionOperation
from nexus.errors import NexusError
from nexus.graphql.errors import format_request_error
from nexus.graphql.execution import GraphQLExecutor, RequestError
from nexus.graphql.limits import limit_error
from nexus.graphql.subscriptions import watched_field

__all__ = ["SubscribeRefusedError", "prepare_subscription"]


class SubscribeRefusedError(Exception):
    """The operation does not run; `payload` is its `error` message's payload."""

    def __init__(self, errors: list[GraphQLError | NexusError]) -> None:
        super().__init__(str(errors[0]))
        self.payload = orjson.dumps([format_request_error(error) for error in errors]).decode()

    @classmethod
    def too_many(cls, maximum: int) -> SubscribeRefusedError:
        message = f"At most {maximum} operations may run at once on one connection."
        return cls([limit_error(message, "operations", maximum=maximum)])


def _invalid(message: str) -> SubscribeRefusedError:
    return SubscribeRefusedError([GraphQLError(message)])


def prepare_subscription(
    executor: GraphQLExecutor,
    payload: object,
    *,
    operation_id: str,
    session: OperationSession,
    viewer_id: UUID,
) -> SubscriptionOperation:
    """The operation of a subscribe payload, or SubscribeRefusedError saying why not."""
    if not isinstance(payload, dict):
        raise _invalid("A subscribe message needs a payload object.")
    query, name = payload.get("query"), payload.get("operationName") or None
    variables = payload.get("variables") or {}
    if not isinstance(query, str):
        raise _invalid("'query' must be a string.")
    if name is not None and not isinstance(name, str):
        raise _invalid("'operationName' must be a string.")
    if not isinstance(variables, dict):
        raise _invalid("'variables' must be an object.")
    try:
        prepared = executor.prepare(query, name, subscriptions=True)
        if prepared.kind is not OperationType.SUBSCRIPTION:
            raise _invalid(
                "Only subscriptions run over WebSocket: send queries and mutations over HTTP."
            )
        executor.admit(prepared, variables)
        coerced = get_variable_values(
            executor.graphql_schema, prepared.operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):  # admit() coerced them already: not expected
            raise RequestError(coerced)
        watched = watched_field(executor.graphql_schema, prepared, coerced)
    except RequestError as error:
        raise SubscribeRefusedError(list(error.errors)) from None
    except NexusError as error:
        raise SubscribeRefusedError([error]) from None
    # Operations of one document and variables see the same thing for one viewer, so
    # the fan-out resolves each event once for all of them.
    selection = (query, name, orjson.dumps(variables, option=orjson.OPT_SORT_KEYS))
    return SubscriptionOperation(
        operation_id=operation_id,
        session=session,
        prepared=prepared,
        variables=variables,
        selection=selection,
        viewer_id=viewer_id,
        watched=watched,
    )
