"""Documents small enough to pass every limit but built to make a walker's work explode.

A doubling chain of fragment spreads, `fragment C1 on T { ...C2 ...C2 }` down to a leaf,
is 40 short lines and 2^40 spreads when expanded: every walk of a document (validation,
limits, cost, the compiled planner, the resolver path's page selections) must visit each
fragment once, not once per spread. Each request runs under a CPU budget that interrupts
it, so a walker gone exponential fails the test in seconds instead of hanging it.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import FrameType
from uuid import uuid4

import pytest
from graphql import parse, validate
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database
from nexus.graphql.limits import FIELD_MERGING_BUDGET, BoundedFieldMergingRule
from nexus.graphql.schema import build_schema
from tests.factories import create_media, default_library_id, put_media
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

LEVELS = 40
OPERATIONS = Path(__file__).parents[2] / "schema" / "operations"
# The answer takes milliseconds; 5 s of CPU is generous because the machine running the
# tests is shared and slow, and still far from the 2^40 spreads of an exponential walk.
CPU_BUDGET_SECONDS = 5.0


class CpuBudgetExceededError(BaseException):
    """Raised from the CPU timer's signal; a BaseException, so that no `except
    Exception` on the request's path can turn it into an ordinary error response."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Fail the test when the block spends more than `seconds` of the process's CPU."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise CpuBudgetExceededError

    previous = signal.signal(signal.SIGPROF, interrupt)
    # Then again every 0.1 s: concurrent sibling resolvers each get interrupted.
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.1)
    try:
        yield
    except CpuBudgetExceededError:
        pytest.fail(f"the request spent more than {seconds} s of CPU")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def doubling_chain(prefix: str, on_type: str, leaf: str, levels: int = LEVELS) -> str:
    """Fragments `{prefix}1` … `{prefix}{levels}` on `on_type`, each spreading the next
    twice; the last selects `leaf`."""
    fragments = [
        f"fragment {prefix}{i} on {on_type} {{ ...{prefix}{i + 1} ...{prefix}{i + 1} }}"
        for i in range(1, levels)
    ]
    fragments.append(f"fragment {prefix}{levels} on {on_type} {{ {leaf} }}")
    return "\n".join(fragments)


MEMBERS_CHAIN = doubling_chain("C", "MembershipConnection", "pageInfo { hasNextPage }")
# Down a connection to its edges' nodes and through the nodes' own fields: the walks that
# decide which long texts a page loads.
MEDIA_CHAIN = doubling_chain("M", "LibraryMediaConnection", "edges { node { ...N1 } }")
NODE_CHAIN = doubling_chain("N", "Media", "title")

MUTATION = f"""
mutation {{ createLibrary(input: {{name: "Chained"}}) {{
  library {{ members(first: 1) {{ ...C1 }} }} }} }}
{MEMBERS_CHAIN}"""
QUERY = f"""
{{ viewer {{ defaultLibrary {{ members(first: 1) {{ ...C1 }} media(first: 1) {{ ...M1 }} }} }} }}
{MEMBERS_CHAIN}
{MEDIA_CHAIN}
{NODE_CHAIN}"""


@asynccontextmanager
async def serve(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, *, compiled: bool
) -> AsyncIterator[Api]:
    app = create_app(
        settings.model_copy(update={"nexus_compiled_reads": compiled}),
        database=Database.pinned_to(connection),
    )
    async with lifespan(app), Api.over(app, identity) as api:
        yield api


async def test_a_doubling_chain_of_fragments_through_a_mutation_is_answered_at_once(
    api: Api,
) -> None:
    user = await api.new_user()
    with cpu_budget(CPU_BUDGET_SECONDS):
        data = await api.data(MUTATION, user=user)
    members = data["createLibrary"]["library"]["members"]
    assert members == {"pageInfo": {"hasNextPage": False}}


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolver_path"])
async def test_a_doubling_chain_of_fragments_through_a_query_is_answered_at_once(
    compiled: bool, settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with serve(settings, connection, identity, compiled=compiled) as api:
        user = await api.new_user()
        media_id = await create_media(connection, title="Chained")
        await put_media(connection, await default_library_id(connection, user), media_id)
        with cpu_budget(CPU_BUDGET_SECONDS):
            data = await api.data(QUERY, user=user)
    assert data["viewer"]["defaultLibrary"] == {
        "members": {"pageInfo": {"hasNextPage": False}},
        "media": {"edges": [{"node": {"title": "Chained"}}]},
    }


# 280 copies of one field with a selection: each pair is compared down its selection, and
# at graphql-core's own budget checking this 2,000-token document took 0.8 s of CPU.
REPEATED_FIELDS = "{ viewer { " + "defaultLibrary { owner { uuid } } " * 280 + "} }"


async def test_a_document_too_costly_to_check_for_field_merging_is_refused(api: Api) -> None:
    with cpu_budget(CPU_BUDGET_SECONDS):
        response = await api.http.post(
            "/graphql",
            json={"query": REPEATED_FIELDS},
            headers={**api.headers(uuid4()), "accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"] == {
        "code": "E_INVALID_REQUEST",
        "status": 400,
        "fieldMerging": {"maximum": FIELD_MERGING_BUDGET},
    }
    assert "fields of the same name" in error["message"]


def test_the_client_contract_stays_far_below_the_field_merging_budget() -> None:
    spent: list[int] = []

    class MeteredRule(BoundedFieldMergingRule):
        def leave_document(self, *_args: object) -> None:
            spent.append(FIELD_MERGING_BUDGET - self.rule_context.remaining_complexity_budget)

    # Every operation the frontend runs, in one document.
    operations = "\n".join(path.read_text() for path in sorted(OPERATIONS.glob("*.graphql")))
    assert validate(build_schema()._schema, parse(operations), [MeteredRule]) == []
    assert 0 < spent[0] < FIELD_MERGING_BUDGET / 20
