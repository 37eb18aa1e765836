"""GraphiQL runs subscriptions in local development: over WebSocket to /graphql, its
headers editor's dev token in connection_init, within the page's Content-Security-Policy.
A media item the dev user cannot read answers E_MEDIA_NOT_FOUND over the socket (an
unauthenticated socket would have been closed with 4401 instead)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import SCHEMA_DIR, Served, run_node

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")


def test_graphiql_runs_a_subscription_over_websocket(local_server: Served) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get install -y chromium"
    assert (SCHEMA_DIR / "node_modules" / "graphiql").is_dir()
    media = base64.b64encode(f"Media:{uuid.uuid4()}".encode()).decode()
    code, output = run_node(
        "e2e/graphiql-browser.ts",
        {
            "NEXUS_GRAPHIQL_URL": local_server.graphql,
            "NEXUS_QUERY": f'subscription {{ mediaProcessing(id: "{media}") {{ uuid }} }}',
            "NEXUS_EXPECT": "E_MEDIA_NOT_FOUND",
            "CHROMIUM": str(CHROMIUM),
        },
        timeout=120,
    )
    assert code == 0, f"{output}\n{local_server.log_tail()}"
    assert output.strip().splitlines()[-1] == "graphiql ok", output
