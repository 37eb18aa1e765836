"""`python -m nexus.bench.extraction` on a folder of small pages written here."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from nexus.bench.extraction import main
from nexus.ingest.canonical_text import canonical_text
from nexus.ingest.pipeline import build_article
from tests.ingest.pages import article_page

ROOT = Path(__file__).resolve().parents[2]


def _folder(tmp_path: Path) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "plain.html").write_text(
        article_page(
            '<p>The committee published <a href="../x.html">the minutes of the meeting</a> '
            "on the notice board by the gate, next to the list of plots.</p>"
        )
    )
    (pages / "zipped.html.gz").write_bytes(gzip.compress(article_page("<p>Zipped.</p>").encode()))
    (pages / "empty.html").write_text("<html><body></body></html>")
    (pages / "notes.txt").write_text("not a page")
    truth = {"plain": {"url": "https://site.example/a/b/plain.html", "articleBody": ""}}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth))
    return pages


def test_bench_writes_what_build_article_stores(tmp_path: Path, capsys) -> None:
    pages, out = _folder(tmp_path), tmp_path / "out"
    assert main([str(pages), str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "plain.html",
        "plain.txt",
        "zipped.html",
        "zipped.txt",
    ]
    expected = build_article(
        (pages / "plain.html").read_bytes(), url="https://site.example/a/b/plain.html"
    )
    assert (out / "plain.txt").read_text() == expected.canonical_text
    assert (out / "plain.html").read_text() == expected.html_sanitized
    assert 'href="https://site.example/a/x.html"' in expected.html_sanitized
    zipped = (out / "zipped.html").read_text()
    assert (out / "zipped.txt").read_text() == canonical_text(zipped)
    assert "Zipped." in zipped
    printed = capsys.readouterr().out
    assert "3 pages in" in printed
    assert "pages/s, 1 failed" in printed
    assert "failed empty: E_INGEST_FAILED No article was found on the page." in printed


def test_bench_runs_as_a_module(tmp_path: Path) -> None:
    pages, out = _folder(tmp_path), tmp_path / "out"
    (pages / "empty.html").unlink()
    done = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", "nexus.bench.extraction", str(pages), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "2 pages in" in done.stdout
    assert "0 failed" in done.stdout
    assert (out / "zipped.txt").read_text().startswith("Garden notes\n")
