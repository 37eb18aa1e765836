"""Hatch build hook: the wheel carries what the installed package would otherwise read from
the checkout.

- Alembic's scripts: `migrations/` stays their home and source of truth; the wheel holds a
  copy as `nexus/_migrations` (nexus/db/migrations.py looks there first).
- GraphiQL's scripts and styles (schema/node_modules, `npm ci` in schema/): the wheel holds
  them under `nexus/app/static/vendor` (nexus/app/graphiql.py looks there first), so an
  installed server serves GraphiQL offline; the sdist holds them at their checkout paths,
  so a wheel built from it is complete too.

Editable installs (`uv sync`) read both from the checkout, so nothing is copied for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# The files nexus/app/graphiql.py serves, relative to node_modules.
GRAPHIQL_FILES = (
    "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
)
NODE_MODULES = "schema/node_modules"


class PackageDataHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the migrations and GraphiQL's files to standard (non-editable) builds."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        missing = [path for path in GRAPHIQL_FILES if not (root / NODE_MODULES / path).is_file()]
        if missing:
            raise RuntimeError(
                f"GraphiQL's files are missing from {NODE_MODULES} ({', '.join(missing)}): "
                "run `npm ci --omit=dev` in schema/ (or `uv run task graphiql`) before building"
            )
        include: dict[str, str] = build_data["force_include"]
        for path in GRAPHIQL_FILES:
            target = f"{NODE_MODULES}/{path}"
            if self.target_name == "wheel":
                target = f"nexus/app/static/vendor/{path}"
            include[str(root / NODE_MODULES / path)] = target
        if self.target_name == "wheel":
            # File by file: a checkout's __pycache__ folders stay out.
            for script in sorted((root / "migrations").rglob("*")):
                if script.is_file() and "__pycache__" not in script.parts:
                    relative = script.relative_to(root / "migrations").as_posix()
                    include[str(script)] = f"nexus/_migrations/{relative}"
