"""`python -m nexus.bench.ingest` on three small pages: every one saved and processed."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.worker.pages import article_page


def test_the_ingest_benchmark_processes_every_page(server_url: str, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("alpha", "beta", "gamma"):
        (pages / f"{name}.html.gz").write_bytes(gzip.compress(article_page(name.title())))
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))},
        "DATABASE_URL": server_url,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "nexus.bench.ingest", "--pages", str(pages), "--concurrency", "2"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pages: 3 from" in result.stdout
    assert "outcomes: ready_for_reading 3\n" in result.stdout
    assert re.search(r"ratio: \d+\.\d\d", result.stdout)
    peak = re.search(r"worker peak RSS .*: (\d+) MiB over (\d+) processes", result.stdout)
    assert peak is not None
    assert int(peak[1]) > 0
    assert int(peak[2]) >= 2  # the worker and its pipeline process
