"""GraphiQL on GET /graphql for browsers, working offline.

Its scripts and styles are served by this server: an installed wheel carries them in
`nexus/app/static/vendor` (hatch_build.py); a checkout reads `schema/node_modules` (installed
by `npm ci` in `schema/`, `task graphiql`, or the first `nexus dev` when npm is present). The
page's Content-Security-Policy allows nothing but this origin. Without those files the
page loads the same pinned versions from unpkg.com, and the log says so. In local
development the page opens with a working Authorization header (a fresh dev token).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from nexus.auth.local_keys import LocalSigningKey

__all__ = ["ASSET_PATH", "NODE_MODULES", "VENDOR_DIR", "GraphiQL", "install_graphiql_assets"]

logger = logging.getLogger("nexus.graphiql")

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
NODE_MODULES = SCHEMA_DIR / "node_modules"
ASSET_PATH = "/graphiql/"
_OWN_FILES = Path(__file__).parent / "static"
# The same files at their node_modules paths, inside an installed wheel.
PACKAGED_VENDOR = _OWN_FILES / "vendor"
VENDOR_DIR = PACKAGED_VENDOR if (PACKAGED_VENDOR / "graphiql").is_dir() else NODE_MODULES

# Served name -> (file under node_modules, the same file on the CDN). The versions are
# schema/package.json's; a test keeps the two in step.
GRAPHIQL_VERSION = "3.9.0"
REACT_VERSION = "18.3.1"
_VENDOR: dict[str, tuple[str, str]] = {
    "react.js": (
        "react/umd/react.production.min.js",
        f"https://unpkg.com/react@{REACT_VERSION}/umd/react.production.min.js",
    ),
    "react-dom.js": (
        "react-dom/umd/react-dom.production.min.js",
        f"https://unpkg.com/react-dom@{REACT_VERSION}/umd/react-dom.production.min.js",
    ),
    "graphiql.js": (
        "graphiql/graphiql.min.js",
        f"https://unpkg.com/graphiql@{GRAPHIQL_VERSION}/graphiql.min.js",
    ),
    "graphiql.css": (
        "graphiql/graphiql.min.css",
        f"https://unpkg.com/graphiql@{GRAPHIQL_VERSION}/graphiql.min.css",
    ),
}
_OWN = {"nexus-graphiql.js": "graphiql.js", "nexus-graphiql.css": "graphiql.css"}
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

DEFAULT_QUERY = """{
  viewer {
    user {
      uuid
    }
    defaultLibrary {
      id
      name
    }
  }
}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Nexus API · GraphiQL</title>
  <link rel="stylesheet" href="{graphiql_css}">
  <link rel="stylesheet" href="{base}nexus-graphiql.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script id="graphiql-config" type="application/json">{config}</script>
  <script src="{react_js}"></script>
  <script src="{react_dom_js}"></script>
  <script src="{graphiql_js}"></script>
  <script src="{base}nexus-graphiql.js"></script>
</body>
</html>
"""


def _csp(extra_origin: str | None) -> str:
    # GraphiQL's stylesheet embeds its fonts and icons as data: URLs; nothing else is needed.
    origins = "'self'" + (f" {extra_origin}" if extra_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {origins}",
            f"style-src {origins}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class GraphiQL:
    """The page and its assets. `local_key` prefills a dev token (local only)."""

    def __init__(
        self, local_key: LocalSigningKey | None, *, node_modules: Path = VENDOR_DIR
    ) -> None:
        self.local_key = local_key
        self.offline = all((node_modules / path).is_file() for path, _ in _VENDOR.values())
        self._files = {name: _OWN_FILES / file for name, file in _OWN.items()}
        if self.offline:
            self._files |= {name: node_modules / path for name, (path, _) in _VENDOR.items()}
        else:
            logger.warning(
                "GraphiQL is not installed in %s (run `npm ci` in schema/ or `task graphiql`): "
                "the GraphiQL page loads its scripts from unpkg.com",
                node_modules,
            )

    def page(self, request: Request) -> Response:
        base = request.scope.get("root_path", "") + ASSET_PATH
        urls = {name: (base + name if self.offline else cdn) for name, (_, cdn) in _VENDOR.items()}
        headers = {"Authorization": f"Bearer {self.local_key.mint()}"} if self.local_key else {}
        config = {"url": request.url.path, "query": DEFAULT_QUERY, "headers": headers}
        html = _PAGE.format(
            base=base,
            # A JSON data block is never executed; escaping '<' keeps '</script>' out of it.
            config=json.dumps(config).replace("<", "\\u003c"),
            react_js=urls["react.js"],
            react_dom_js=urls["react-dom.js"],
            graphiql_js=urls["graphiql.js"],
            graphiql_css=urls["graphiql.css"],
        )
        return HTMLResponse(
            html,
            headers={
                "Content-Security-Policy": _csp(None if self.offline else "https://unpkg.com"),
                # The page carries a token: never cache it, never leak it in a Referer.
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def asset(self, request: Request) -> Response:
        path = self._files.get(request.path_params["name"])
        if path is None:
            return PlainTextResponse("Not found", 404)
        return FileResponse(
            path,
            media_type=_MEDIA_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )


def install_graphiql_assets(schema_dir: Path = SCHEMA_DIR) -> None:
    """Install GraphiQL's packages (the lockfile's production dependencies) into
    schema/node_modules when they are missing and npm is on PATH; otherwise say why not.
    An installed wheel carries them: nothing to install."""
    if VENDOR_DIR == PACKAGED_VENDOR or (schema_dir / "node_modules" / "graphiql").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None or not (schema_dir / "package-lock.json").is_file():
        logger.warning("npm not found: GraphiQL will load its scripts from unpkg.com")
        return
    logger.info("installing GraphiQL into %s (npm ci --omit=dev)", schema_dir / "node_modules")
    result = subprocess.run(  # noqa: S603 - a fixed command, no user input
        [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"],
        cwd=schema_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        logger.warning(
            "npm ci failed (%s): GraphiQL will load its scripts from unpkg.com",
            result.stderr.strip().splitlines()[-1:] or result.returncode,
        )
