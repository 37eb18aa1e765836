"""Differential shadow for the whole suite: `pytest -p tests.compiled.shadow tests/...`.

Every query operation a test posts through `Api` (the `api` fixture) is answered by the
app under test (compiled reads on) and then, on the same pinned connection, by a twin
app with compiled reads off; the two responses must be equal (status, data, errors with
codes and paths; errors compared in a canonical order). Mutations are sent once. The
tests' own assertions then run on the compiled answer as usual.

A query the compiled path handed to the resolver path is not compared: both answers would
come from the resolver path, whose errors under a nulled non-null field depend on which
concurrent sibling failed first (graphql-core cancels the others), so two runs of it may
rightly report different ones.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import httpx
from graphql import GraphQLError, GraphQLSchema, OperationType, get_operation_ast, parse

from nexus.app import create_app
from nexus.compiled import CompiledReads
from nexus.graphql.schema import build_schema
from tests.compiled.conftest import _difference, normalized
from tests.helpers import SHADOWING, Api

_twins: WeakKeyDictionary[object, httpx.AsyncClient] = WeakKeyDictionary()
_post = Api.post
seen = {"compared": 0}
_OUTAGE_CODES = {"E_UNAVAILABLE", "E_TIMEOUT"}
_IDENTITY_CODES = {"E_UNAUTHENTICATED", "E_AUTH_UNAVAILABLE", "E_INTERNAL_ONLY"}
_STANDARD_ROOT_FIELDS = tuple(build_schema()._schema.query_type.fields)  # type: ignore[union-attr]


def _is_query(query: str | None) -> bool:
    if not query:
        return False
    try:
        operation = get_operation_ast(parse(query))
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY


def _app(api: Api) -> Any:
    return api.http._transport.app  # type: ignore[attr-defined]


def _compiled_reads(api: Api) -> CompiledReads | None:
    return getattr(_app(api).app.state, "compiled_reads", None)


def _twin(api: Api) -> httpx.AsyncClient | None:
    app = _app(api)
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
    reads = _compiled_reads(self)
    answered = reads.answered if reads is not None else 0
    response = await _post(self, query, variables, **kwargs)
    twin = _twin(self) if _is_query(query) else None
    # Counted by the app under test; a concurrent request of a racing test may bump it too,
    # which only means one fallback more is compared.
    if reads is not None and reads.answered == answered:
        return response
    # Refused before execution (authentication): nothing to compare, and a second
    # provider client would double the JWKS fetches the identity tests count.
    if twin is None or response.status_code >= 500 or response.status_code in (401, 403):
        return response
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    headers = {**self.headers(kwargs.get("user")), **(kwargs.get("headers") or {})}
    shadowing = SHADOWING.set(True)
    try:
        other = await twin.post("/graphql", json=body, headers=headers)
    finally:
        SHADOWING.reset(shadowing)
    if _refused_by_identity(other):
        # The twin keeps its own JWKS client, without the background refresh the app
        # under test runs: a provider outage can leave only the twin without keys.
        return response
    json_bodies = response.headers.get("content-type", "").startswith("application/")
    if json_bodies and (_outage(response.json()) or _outage(other.json())):
        return response
    assert response.status_code == other.status_code, (response.text, other.text)
    if json_bodies:
        compiled, resolver = response.json(), other.json()
        assert normalized(compiled) == normalized(resolver), _difference(compiled, resolver)
    seen["compared"] += 1
    return response


def _outage(body: dict[str, Any]) -> bool:
    """The database down or the time limit hit: the twin asks a moment later, when the
    outage may have begun or ended, and the compiled path's one statement fails as a whole
    (no field path) where the resolver path fails at whichever field touched it first."""
    return any(
        error.get("extensions", {}).get("code") in _OUTAGE_CODES for error in body.get("errors", [])
    )


def _refused_by_identity(response: httpx.Response) -> bool:
    if response.status_code not in (401, 403, 503):
        return False
    codes = {error["extensions"]["code"] for error in response.json().get("errors", [])}
    return bool(codes & _IDENTITY_CODES)


Api.post = _shadowed_post  # type: ignore[method-assign]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"shadow: {seen['compared']} query responses compared")
