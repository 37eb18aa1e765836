"""`python -m nexus.bench.cpu`, run as the README says, on a small seeded database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from nexus.bench.throughput import QUERIES, seed_database


def test_the_cpu_benchmark_measures_every_read(
    create_database: Callable[[str], str], tmp_path: Path
) -> None:
    url = create_database("nexus_cpu")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))}
    env |= {"DATABASE_URL": url, "NEXUS_ENV": "local", "NEXUS_STATE_DIR": str(tmp_path)}
    migrate = [sys.executable, "-m", "nexus", "migrate"]
    subprocess.run(migrate, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
    asyncio.run(seed_database(url, 0.02))
    measure = [sys.executable, "-m", "nexus.bench.cpu", "--requests", "2"]
    result = subprocess.run(  # noqa: S603 (our own module)
        measure, env=env, capture_output=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    lines = result.stdout.decode().splitlines()
    assert [line.split(":")[0] for line in lines] == list(QUERIES)
    assert all(line.endswith(" us of CPU per request") for line in lines), lines

    # Two apps in one process, their rounds alternated: metrics off against on.
    versus = [*measure, "--rounds", "2", "--queries", "reader", "--versus", "NEXUS_METRICS=true"]
    env["NEXUS_METRICS"] = "false"
    result = subprocess.run(  # noqa: S603 (our own module)
        versus, env=env, capture_output=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    (line,) = result.stdout.decode().splitlines()
    assert line.startswith("reader: "), line
    assert " us of CPU per request with NEXUS_METRICS=true (" in line, line
