"""The documentation a user reads stays true: its links lead somewhere, the README's
tables match the code, every `nexus` command it shows is one the CLI accepts, and
`nexus --version` prints the project's version."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus.cli import _parser
from nexus.errors import STATUS_BY_CODE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# Directories whose Markdown is not ours (installed packages) or not part of a checkout.
SKIPPED_DIRECTORIES = {"node_modules", "dist", "build", "__pycache__", "out"}

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+\1")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files() -> list[Path]:
    """Every Markdown file of the checkout but installed packages' and hidden folders'."""

    def walk(directory: Path) -> Iterator[Path]:
        for entry in sorted(directory.iterdir()):
            if entry.is_dir():
                if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRECTORIES:
                    yield from walk(entry)
            elif entry.suffix == ".md":
                yield entry

    return list(walk(ROOT))


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Line numbers and lines outside fenced code blocks, inline code removed."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, INLINE_CODE.sub("", line)


def code_blocks(text: str, languages: tuple[str, ...]) -> Iterator[list[str]]:
    """The lines of each fenced block whose info string is one of `languages`."""
    block: list[str] = []
    fenced = keep = False
    for line in text.splitlines():
        if FENCE.match(line):
            if fenced and keep:
                yield block
            if not fenced:
                keep = line.strip()[3:].strip().split(" ")[0] in languages
                block = []
            fenced = not fenced
        elif fenced:
            block.append(line)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text lowercased, punctuation dropped, spaces as
    hyphens (links and code keep their text)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").strip().lower()
    kept = "".join(
        char for char in text if char in " -_" or unicodedata.category(char)[0] in ("L", "N", "M")
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings, duplicates numbered as GitHub does."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if not heading:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with each relative link of one file (empty: nothing)."""
    problems: list[str] = []
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(root)
    for number, line in prose_lines(text):
        for target in [*LINK.findall(line), *IMAGE.findall(line)]:
            if SCHEME.match(target) or target.startswith("//"):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.is_relative_to(root):
                problems.append(f"{where}:{number}: {target} leaves the repository")
            elif not linked.exists():
                problems.append(f"{where}:{number}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{where}:{number}: {target}: no heading with that anchor")
    return problems


def test_relative_links_of_every_markdown_file_lead_to_a_file_and_heading() -> None:
    files = markdown_files()
    assert {README, ROOT / "CHANGELOG.md", ROOT / "schema" / "README.md"} <= set(files)
    assert {"architecture.md", "operations.md", "performance.md"} <= {
        path.name for path in files if path.parent == ROOT / "docs"
    }
    problems = [problem for path in files for problem in broken_links(path)]
    assert problems == []


def test_the_link_check_finds_a_missing_file_a_missing_anchor_and_a_way_out(
    tmp_path: Path,
) -> None:
    # The checker itself, on a copy of a page of ours: it must be able to fail.
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    page = root / "docs" / "architecture.md"
    page.write_text((ROOT / "docs" / "architecture.md").read_text("utf-8"), encoding="utf-8")
    probe = root / "docs" / "probe.md"
    probe.write_text(
        "# Probe\n\n[a](architecture.md#no-such-heading) [b](no-such-file.md) "
        "[c](../../outside.md) [d](architecture.md#the-two-read-paths) [e](#probe) "
        "`[f](ignored.md)`\n```\n[g](ignored-too.md)\n```\n",
        encoding="utf-8",
    )
    problems = broken_links(probe, root)
    assert len(problems) == 3, problems
    assert "no heading with that anchor" in problems[0]
    assert "no such file" in problems[1]
    assert "leaves the repository" in problems[2]


def test_slugs_are_githubs() -> None:
    assert slug("Saving articles by URL") == "saving-articles-by-url"
    assert slug("`nexus worker` and the job queue") == "nexus-worker-and-the-job-queue"
    assert slug("Health, readiness & graceful stop") == "health-readiness--graceful-stop"


def readme_section(title: str) -> str:
    """The README's text under `## title`, up to the next heading of that level."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def test_readme_error_table_is_every_code_with_its_status() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (\d{3}) \|", readme_section("Errors"), re.M)
    assert {code: int(status) for code, status in rows} == {
        code.value: status for code, status in STATUS_BY_CODE.items()
    }


def subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = _parser()._subparsers._group_actions  # type: ignore[union-attr]
    return dict(next(a for a in actions if isinstance(a, argparse._SubParsersAction)).choices)


def test_readme_cli_table_names_every_command() -> None:
    listed = set(re.findall(r"^\| `nexus ([a-z-]+)", readme_section("The CLI"), re.M))
    assert listed == set(subcommands())


# Placeholders a reader substitutes, given a value the parser accepts.
SUBSTITUTIONS = {'"$(uuidgen)"': "7c9e6679-7425-40de-944b-e07fc1f90ae7"}


def nexus_command_lines(path: Path) -> Iterator[str]:
    """Each `nexus …` invocation in the file's shell blocks, as written."""
    for block in code_blocks(path.read_text(encoding="utf-8"), ("sh", "bash", "shell")):
        joined = "\n".join(block).replace("\\\n", " ")
        for placeholder, value in SUBSTITUTIONS.items():
            joined = joined.replace(placeholder, value)
        for line in joined.splitlines():
            for part in re.split(r"&&|\|\||;|\||\$\(|\)", line.split(" #")[0]):
                words = part.split()
                if "nexus" in words and (words.index("nexus") == 0 or words[0] in ("uv", "pip")):
                    yield " ".join(words[words.index("nexus") :])


def accepted(argv: list[str]) -> bool:
    """Whether the CLI's parser takes these arguments (`--help` and `--version` too)."""
    try:
        _parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code == 0
    return True


@pytest.mark.parametrize(
    "path",
    [README, *sorted((ROOT / "docs").glob("*.md"))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_nexus_command_in_shell_blocks_is_one_the_cli_accepts(path: Path) -> None:
    commands = list(nexus_command_lines(path))
    refused = [command for command in commands if not accepted(shlex.split(command)[1:])]
    assert refused == []
    if path == README:
        assert len(commands) >= 5, commands


def test_a_command_the_cli_refuses_fails_the_check(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```sh\nuv run nexus serve --wrokers 2  # typo\n```\n", encoding="utf-8")
    (command,) = nexus_command_lines(page)
    assert command == "nexus serve --wrokers 2"
    assert not accepted(shlex.split(command)[1:])
    assert accepted(["serve", "--workers", "2"])


def layout_entries() -> Iterator[Path]:
    """The paths the README's layout names: top-level entries at column 0, the entries
    of `nexus/` at column 2 (descriptions and their continuation lines further right)."""
    (block,) = code_blocks(readme_section("Layout"), ("", "text"))
    parent = ROOT
    for line in block:
        name = line.split(" ")[0] if not line.startswith(" ") else None
        if name:
            yield ROOT / name
            parent = ROOT / name
        elif line.startswith("  ") and not line.startswith("   "):
            yield parent / line.split()[0]


def test_readme_layout_names_what_exists_and_every_package() -> None:
    entries = list(layout_entries())
    missing = [str(entry.relative_to(ROOT)) for entry in entries if not entry.exists()]
    assert missing == []
    packages = {
        path.parent
        for path in (ROOT / "nexus").glob("*/*.py")
        if not path.parent.name.startswith(("_", "."))
    }
    unlisted = sorted(str(p.relative_to(ROOT)) for p in packages - set(entries))
    assert unlisted == []


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def test_nexus_version_prints_the_projects_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nexus", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"nexus {project_version()}"


def test_changelog_has_the_current_version_and_an_unreleased_section() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text("utf-8"), re.M)
    assert headings[:2] == ["Unreleased", project_version()]


def test_readme_stays_short() -> None:
    # Issue 21: a newcomer finds what they need in minutes; details belong in docs/.
    size = len(README.read_bytes())
    assert size <= 16 * 1024, f"README.md is {size} bytes: move details into docs/"
