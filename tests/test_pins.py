"""Strawberry and graphql-core are used through private parts (nexus/graphql/direct_execution.py,
direct_resolvers.py, pagination.py, execution.py): the installed versions are the minor
versions that code was checked on, and pyproject.toml pins exactly those minors."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

# Moving on means reading those modules against the new version's source, then these lines.
CHECKED_ON = {"strawberry-graphql": "0.341.2", "graphql-core": "3.3.2"}


def minor(text: str) -> tuple[int, int]:
    release = Version(text).release
    return release[0], release[1]


@pytest.mark.parametrize("package", sorted(CHECKED_ON))
def test_installed_version_is_the_checked_minor(package: str) -> None:
    assert minor(version(package)) == minor(CHECKED_ON[package]), (
        f"{package} {version(package)} is installed; the private parts we use were checked "
        f"on {CHECKED_ON[package]}"
    )


@pytest.mark.parametrize("package", sorted(CHECKED_ON))
def test_pyproject_pins_the_checked_minor(package: str) -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [pin] = [Requirement(line) for line in dependencies if Requirement(line).name == package]
    major, minor_ = minor(CHECKED_ON[package])
    assert pin.specifier == SpecifierSet(f">={CHECKED_ON[package]},<{major}.{minor_ + 1}")
