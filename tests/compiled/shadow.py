"""Differential shadow for the whole suite: `pytest -p tests.compiled.shadow tests/...`.

Every query operation a test posts through `Api` (the `api` fixture) is answered by the
app under test (compiled reads on) and then, on the same pinned connection, by a twin
app with compiled reads off; the two responses must be equal (status, data, errors with
codes and paths; errors compared in a canonical order). Mutations are sent once. The
tests' own assertions then run on the compiled answer as usual.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import httpx
from graphql import GraphQLError, GraphQLSchema, OperationType, get_operation_ast, parse

from nexus.app import create_app
from nexus.graphql.schema import build_schema
from tests.compiled.conftest import _difference, normalized
from tests.helpers import Api

_twins: WeakKeyDictionary[object, httpx.AsyncClient] = WeakKeyDictionary()
_post = Api.post
seen = {"compared": 0}
_STANDARD_ROOT_FIELDS = tuple(build_schema()._schema.query_type.fields)  # type: ignore[union-attr]


def _is_query(query: str | None) -> bool:
    if not query:
        return False
    try:
        operation = get_operation_ast(parse(query))
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY


def _twin(api: Api) -> httpx.AsyncClient | None:
    app = api.http._transport.app  # type: ignore[attr-defined]
    twin = _twins.get(app)
    if twin is None:
        state = app.app.state
        if not state.settings.nexus_compiled_reads or _probe(state.compiled_reads.schema):
            return None
        settings = state.settings.model_copy(update={"nexus_compiled_reads": False})
        resolver_app = create_app(settings, database=state.database)
        transport = httpx.ASGITransport(app=resolver_app)
        twin = _twins[app] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    return twin


def _probe(schema: GraphQLSchema) -> bool:
    """A test's own probe schema: the twin could not serve it, so it is not compared."""
    assert schema.query_type is not None
    return set(schema.query_type.fields) != set(_STANDARD_ROOT_FIELDS)


async def _shadowed_post(
    self: Api, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    response = await _post(self, query, variables, **kwargs)
    twin = _twin(self) if _is_query(query) else None
    if twin is None or response.status_code >= 500:
        return response
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    headers = {**self.headers(kwargs.get("user")), **(kwargs.get("headers") or {})}
    other = await twin.post("/graphql", json=body, headers=headers)
    assert response.status_code == other.status_code, (response.text, other.text)
    if response.headers.get("content-type", "").startswith("application/"):
        compiled, resolver = response.json(), other.json()
        assert normalized(compiled) == normalized(resolver), _difference(compiled, resolver)
    seen["compared"] += 1
    return response


Api.post = _shadowed_post  # type: ignore[method-assign]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"shadow: {seen['compared']} query responses compared")
