"""GraphiQL in Debian's Chromium (headless, driven by playwright-core): it loads offline
from this server, opens with the local dev token, and shows the viewer's default library.
The screenshot lands in out/e2e/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, SCHEMA_DIR, Served, run_node

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")


def test_graphiql_runs_a_query_offline_in_chromium(local_server: Served) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get install -y chromium"
    assert (SCHEMA_DIR / "node_modules" / "graphiql").is_dir()
    screenshot = ARTIFACTS / "graphiql.png"
    screenshot.unlink(missing_ok=True)
    code, output = run_node(
        "e2e/graphiql-browser.ts",
        {
            "NEXUS_GRAPHIQL_URL": local_server.graphql,
            "NEXUS_QUERY": "{ viewer { defaultLibrary { name } } }",
            "NEXUS_EXPECT": "My Library",
            "NEXUS_SCREENSHOT": str(screenshot),
            "CHROMIUM": str(CHROMIUM),
        },
        timeout=120,
    )
    assert code == 0, f"{output}\n{local_server.log_tail()}"
    assert output.strip().splitlines()[-1] == "graphiql ok", output
    assert screenshot.stat().st_size > 10_000
