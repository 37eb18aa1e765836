"""Every package nexus/ imports is a declared runtime dependency: not one that only happens to
come with another (it may stop coming), and not a dev-only one (the wheel lacks it)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]


def imported_top_level_modules() -> dict[str, set[str]]:
    """Top-level module -> the nexus/ files importing it (relative imports left out)."""
    found: dict[str, set[str]] = {}
    for path in (REPO / "nexus").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.partition(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


def test_every_imported_package_is_a_declared_dependency() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {
        canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]
    }
    distributions = packages_distributions()
    undeclared = {}
    for module, files in imported_top_level_modules().items():
        if module == "nexus" or module in sys.stdlib_module_names:
            continue
        names = {canonicalize_name(d) for d in distributions.get(module, [module])}
        if not names & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported by nexus/ but not in [project.dependencies]: {undeclared}"
