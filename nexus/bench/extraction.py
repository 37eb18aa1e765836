"""`python -m nexus.bench.extraction PAGES_DIR OUT_DIR`: the article pipeline on a folder of
saved pages, for the extraction benchmark (README of ../shared/extraction/).

Runs exactly `build_article` on every `*.html` and `*.html.gz` page of PAGES_DIR (the page
id is the file name without the extension; its URL comes from the folder's
`ground-truth.json` when it has one, else a placeholder https URL), writes
OUT_DIR/<id>.txt (the canonical text that would be stored) and OUT_DIR/<id>.html (the
sanitized HTML), and prints pages per second and the pages that failed. Score the texts
with the benchmark's own `score.py OUT_DIR`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from nexus.ingest.errors import IngestError
from nexus.ingest.pipeline import build_article

__all__ = ["main", "page_files", "page_urls"]

_PLACEHOLDER_URL = "https://example.com/{page_id}"
_SUFFIXES = (".html.gz", ".html")


def page_files(pages_dir: Path) -> dict[str, Path]:
    """The pages of the folder by id, in id order."""
    pages: dict[str, Path] = {}
    for path in sorted(pages_dir.iterdir()):
        for suffix in _SUFFIXES:
            if path.is_file() and path.name.endswith(suffix):
                pages[path.name.removesuffix(suffix)] = path
                break
    return pages


def page_urls(pages_dir: Path) -> dict[str, str]:
    """Each page's URL from `ground-truth.json` (here or in the parent folder), if any."""
    for folder in (pages_dir, pages_dir.parent):
        truth = folder / "ground-truth.json"
        if truth.is_file():
            entries = json.loads(truth.read_text(encoding="utf-8"))
            return {page_id: entry["url"] for page_id, entry in entries.items() if entry.get("url")}
    return {}


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pipeline on every page; 0 when every page gave an article, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    pages = page_files(args.pages_dir)
    urls = page_urls(args.pages_dir)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    started = time.perf_counter()
    for page_id, path in pages.items():
        url = urls.get(page_id) or _PLACEHOLDER_URL.format(page_id=page_id)
        try:
            article = build_article(_read(path), url=url, content_type="text/html")
        except IngestError as error:
            failures.append(f"{page_id}: {error.code.value} {error.message}")
            continue
        except Exception as error:  # a crash on one page is reported, the others still run
            failures.append(f"{page_id}: {type(error).__name__} {error}")
            continue
        (args.out_dir / f"{page_id}.txt").write_text(article.canonical_text, encoding="utf-8")
        (args.out_dir / f"{page_id}.html").write_text(article.html_sanitized, encoding="utf-8")
    elapsed = time.perf_counter() - started
    rate = len(pages) / elapsed if elapsed > 0 else 0.0
    print(f"{len(pages)} pages in {elapsed:.1f} s: {rate:.1f} pages/s, {len(failures)} failed")
    for failure in failures:
        print(f"failed {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
