"""GraphiQL: served from this origin under a strict CSP, prefilled with a dev token in local."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.routing import Route

from nexus.app import create_app
from nexus.app.graphiql import (
    GRAPHIQL_VERSION,
    NODE_MODULES,
    REACT_VERSION,
    GraphiQL,
    install_graphiql_assets,
)
from nexus.config import Environment, Settings
from nexus.db.engine import Database
from tests.helpers import Api, lifespan
from tests.identity import IdentityProvider

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PACKAGE_JSON = Path(__file__).resolve().parents[2] / "schema" / "package.json"
installed = pytest.mark.skipif(
    not (NODE_MODULES / "graphiql").is_dir(),
    reason="GraphiQL is not installed in schema/node_modules (npm ci in schema/)",
)


@asynccontextmanager
async def app_with(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, **update: object
) -> AsyncIterator[Api]:
    app = create_app(settings.model_copy(update=update), database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as client:
        yield client


def page_config(html: str) -> dict[str, object]:
    match = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', html)
    assert match, html
    config: dict[str, object] = json.loads(match[1])
    return config


def script_sources(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"></script>', html)


@installed
async def test_page_and_assets_come_from_this_origin(api: Api) -> None:
    page = await api.http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # It holds a fresh token in local development: no cache keeps it (test_get_caching.py).
    assert page.headers["cache-control"] == "private, no-store"
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    # Every executable script is a file of this server; the only inline one is JSON data.
    for tag in re.findall(r"<script[^>]*>", page.text):
        assert tag.startswith('<script src="/graphiql/') or 'type="application/json"' in tag, tag
    urls = [
        *script_sources(page.text),
        *re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text),
    ]
    assert len(urls) == 6
    for url in urls:
        asset = await api.http.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")
        assert asset.content


async def test_unknown_asset_is_404(api: Api) -> None:
    assert (await api.http.get("/graphiql/../../pyproject.toml")).status_code == 404
    assert (await api.http.get("/graphiql/secret.js")).status_code == 404


async def test_test_env_page_has_no_token(api: Api) -> None:
    page = await api.http.get("/graphql", headers=HTML)
    assert page_config(page.text)["headers"] == {}


async def test_local_page_opens_with_a_working_dev_token(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider, tmp_path: Path
) -> None:
    async with app_with(
        settings,
        connection,
        identity,
        nexus_env=Environment.LOCAL,
        nexus_jwks_url=None,
        nexus_jwt_issuer=None,
        nexus_jwt_audience=None,
        nexus_state_dir=tmp_path,
    ) as api:
        page = await api.http.get("/graphql", headers=HTML)
        headers = page_config(page.text)["headers"]
        assert isinstance(headers, dict)
        response = await api.http.post(
            "/graphql", json={"query": "{ viewer { user { uuid } } }"}, headers=headers
        )
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_setting_disables_graphiql(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with app_with(settings, connection, identity, nexus_graphiql=False) as api:
        page = await api.http.get("/graphql", headers=HTML)
        asset = await api.http.get("/graphiql/nexus-graphiql.js")
    assert not page.headers["content-type"].startswith("text/html")
    assert asset.status_code == 404


async def test_setting_enables_graphiql_in_staging(
    settings: Settings, connection: AsyncConnection, identity: IdentityProvider
) -> None:
    async with app_with(
        settings,
        connection,
        identity,
        nexus_env=Environment.STAGING,
        nexus_internal_secret="s" * 32,
        nexus_graphiql=True,
    ) as api:
        page = await api.http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page_config(page.text)["headers"] == {}


async def test_without_node_modules_the_page_falls_back_to_the_cdn_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="nexus.graphiql"):
        graphiql = GraphiQL(None, node_modules=tmp_path)
    assert "unpkg.com" in caplog.text
    app = Starlette(routes=[Route("/graphql", graphiql.page)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/graphql")
    sources = script_sources(page.text)
    assert sources[:3] == [
        f"https://unpkg.com/react@{REACT_VERSION}/umd/react.production.min.js",
        f"https://unpkg.com/react-dom@{REACT_VERSION}/umd/react-dom.production.min.js",
        f"https://unpkg.com/graphiql@{GRAPHIQL_VERSION}/graphiql.min.js",
    ]
    assert sources[3] == "/graphiql/nexus-graphiql.js"
    assert "script-src 'self' https://unpkg.com;" in page.headers["content-security-policy"]


def test_cdn_versions_are_the_lockfile_versions() -> None:
    dependencies = json.loads(PACKAGE_JSON.read_text())["dependencies"]
    assert dependencies["graphiql"] == GRAPHIQL_VERSION
    assert dependencies["react"] == REACT_VERSION
    assert dependencies["react-dom"] == REACT_VERSION


def fake_npm(bin_dir: Path, *, exit_code: int) -> Path:
    """An `npm` on PATH that records its arguments and, when it succeeds, installs."""
    log = bin_dir / "npm.log"
    script = bin_dir / "npm"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD $*" >> {log}\n'
        f"[ {exit_code} -eq 0 ] && /bin/mkdir -p node_modules/graphiql\n"
        f"echo 'npm ERR! network unreachable' >&2\nexit {exit_code}\n"
    )
    script.chmod(0o755)
    return log


def schema_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "schema"
    directory.mkdir()
    for name in ("package.json", "package-lock.json"):
        (directory / name).write_text((PACKAGE_JSON.parent / name).read_text())
    return directory


def test_first_dev_run_installs_graphiql_with_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_npm(tmp_path, exit_code=0)
    monkeypatch.setenv("PATH", str(tmp_path))
    directory = schema_dir(tmp_path)
    install_graphiql_assets(directory)
    assert log.read_text() == f"{directory} ci --omit=dev --no-audit --no-fund\n"
    install_graphiql_assets(directory)  # installed now: npm is not asked again
    assert len(log.read_text().splitlines()) == 1


def test_without_npm_the_install_is_skipped_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="nexus.graphiql"):
        install_graphiql_assets(schema_dir(tmp_path))
    assert "npm not found" in caplog.text


def test_a_failed_npm_install_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake_npm(tmp_path, exit_code=1)
    monkeypatch.setenv("PATH", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="nexus.graphiql"):
        install_graphiql_assets(schema_dir(tmp_path))
    assert "npm ci failed" in caplog.text
    assert "network unreachable" in caplog.text
