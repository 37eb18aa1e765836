"""The graphql-http server audit suite (GraphQL over HTTP conformance) against `nexus serve`.

One test per MUST and SHOULD audit, named by the audit's id: all 13 MUST and 23 SHOULD
pass. A malformed request is 400 under both media types (BCF8); a well-formed request whose
GraphQL fails before execution is 200 under application/json, so Apollo Client and other
application/json clients read its code instead of an opaque network error, and 400 under
application/graphql-response+json (B7N8)."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Served, run_node
from tests.identity import IdentityProvider

pytestmark = pytest.mark.e2e

MUST = [
    "4655", "82A3", "BF61", "78D5", "2C94", "03D4", "13EE", "B8B3",
    "0220", "0221", "0222", "28B9", "1B7A",
]  # fmt: skip
SHOULD = [
    "22EB", "47DE", "80D8", "9ABE", "34A2", "8161", "94B0", "94B1", "94B2", "2EA1", "428F",
    "BCF8", "B7N8", "572B", "FDE2", "7B9B", "865D", "556A", "D586", "51FE", "74FF", "5E5B",
    "86EE",
]  # fmt: skip


@pytest.fixture(scope="module")
def audit(test_server: Served, identity: IdentityProvider) -> dict[str, dict[str, Any]]:
    code, output = run_node(
        "e2e/http-audit.ts",
        {"NEXUS_URL": test_server.graphql, "NEXUS_TOKEN": identity.token(uuid4())},
    )
    last = output.strip().splitlines()[-1] if output.strip() else ""
    assert last.startswith('{"results"'), f"{output}\n{test_server.log_tail()}"
    print(output)
    results: dict[str, dict[str, Any]] = {r["id"]: r for r in json.loads(last)["results"]}
    assert code == (
        1
        if any(r["name"].startswith("MUST") and r["status"] != "ok" for r in results.values())
        else 0
    )
    return results


def test_the_suite_is_the_one_these_tests_know(audit: dict[str, dict[str, Any]]) -> None:
    levels = {
        level: sorted(i for i, r in audit.items() if r["name"].startswith(level))
        for level in ("MUST", "SHOULD")
    }
    assert levels == {"MUST": sorted(MUST), "SHOULD": sorted(SHOULD)}


@pytest.mark.parametrize("audit_id", [*MUST, *SHOULD])
def test_audit(audit: dict[str, dict[str, Any]], audit_id: str) -> None:
    result = audit[audit_id]
    assert result["status"] == "ok", f"{audit_id} {result['name']}: {result.get('reason')}"
