"""Real clients against a real server: `nexus serve` in a subprocess on a free loopback
port, over a fresh migrated database of the test session's PostgreSQL, trusting the test
identity provider (or, for GraphiQL, the local development key). The clients are Node
scripts from `schema/` (Apollo Client, playwright-core + Debian's Chromium, graphql-http);
they are skipped, with the reason, only where Node or schema/node_modules is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from nexus.db.migrations import upgrade
from tests.identity import AUDIENCE, ISSUER, IdentityProvider

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "schema"
ARTIFACTS = REPO / "out" / "e2e"


@dataclass(frozen=True)
class Served:
    url: str
    database_url: str
    log: Path

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NEXUS_"))}
    return {**env, **extra}


@contextmanager
def serve(log: Path, **env: str) -> Iterator[str]:
    """`nexus serve` with `env` until the block ends; yields its base URL."""
    port = _free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "nexus", "serve", "--port", str(port)],
            env=_clean_env(**env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"nexus serve exited:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"nexus serve did not answer:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def work(log: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """`nexus worker` with `env` until the block ends (stopped with SIGTERM)."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "nexus", "worker", "--concurrency", "2"],
            env=_clean_env(**env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


ARTICLE_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>The Slow Reader</title><meta name="author" content="Ada Reader">
<meta name="description" content="Why reading slowly pays."></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>The Slow Reader</h1>
<p>Reading slowly is a habit worth keeping. Every paragraph asks for attention, and the
reader who gives it finds that the text gives back more than it seemed to hold.</p>
<p>Highlights mark the sentences that mattered; notes keep what they made us think.
A good reading app keeps both, and never loses them.</p>
<ol><li>Read the whole piece once.</li><li>Read it again, slowly.</li></ol>
<p>Nothing here needs a script. <script>document.title = "stolen"</script></p>
</article><footer>Copyright Example</footer></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        # Any query string too: a second URL of the same page is a second media item.
        if self.path.partition("?")[0] == "/article":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(ARTICLE_PAGE)))
            self.end_headers()
            self.wfile.write(ARTICLE_PAGE)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture(scope="session")
def pages() -> Iterator[str]:
    """A loopback server of pages to save: /article reads well, anything else is 404."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def node() -> str:
    """The Node binary, once schema/node_modules is installed (`npm ci` in schema/)."""
    binary = shutil.which("node")
    if binary is None:
        pytest.skip("node is not installed")
    if not (SCHEMA_DIR / "node_modules" / ".bin" / "tsx").exists():
        pytest.skip("schema/node_modules is not installed (run `npm ci` in schema/)")
    return binary


def run_node(script: str, env: dict[str, str], timeout: float = 600) -> tuple[int, str]:
    """Run a TypeScript script of schema/ with tsx; its exit code and its output."""
    result = subprocess.run(  # noqa: S603 - our own scripts
        [str(SCHEMA_DIR / "node_modules" / ".bin" / "tsx"), script],
        cwd=SCHEMA_DIR,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="session")
def migrated_database(create_database: Callable[[str], str]) -> Callable[[], str]:
    def create() -> str:
        url = create_database("nexus_e2e")
        upgrade(url)
        return url

    return create


@pytest.fixture(scope="session")
def test_server(
    node: str,
    migrated_database: Callable[[], str],
    identity: IdentityProvider,
    pages: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """NEXUS_ENV=test against the test identity provider, on its own database, with a job
    worker and the loopback page server allowed to both."""
    del node
    database_url = migrated_database()
    state = tmp_path_factory.mktemp("e2e-state")
    log = state / "server.log"
    env = {
        "NEXUS_ENV": "test",
        "DATABASE_URL": database_url,
        "NEXUS_JWKS_URL": identity.url,
        "NEXUS_JWT_ISSUER": ISSUER,
        "NEXUS_JWT_AUDIENCE": AUDIENCE,
        "NEXUS_STATE_DIR": str(state),
        "NEXUS_INGEST_ALLOW_HOSTS": pages,
    }
    with work(state / "worker.log", **env), serve(log, **env) as url:
        yield Served(url, database_url, log)


@pytest.fixture(scope="session")
def local_server(
    node: str, migrated_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """NEXUS_ENV=local with its own development signing key, as `nexus dev` runs."""
    del node
    database_url = migrated_database()
    state = tmp_path_factory.mktemp("e2e-local-state")
    log = state / "server.log"
    with serve(
        log, NEXUS_ENV="local", DATABASE_URL=database_url, NEXUS_STATE_DIR=str(state)
    ) as url:
        yield Served(url, database_url, log)


@pytest.fixture(scope="session")
def codegen(node: str) -> None:
    """The typed documents, generated from the committed schema.graphql (codegen also
    validates every operation against it)."""
    del node
    result = subprocess.run(  # noqa: S603 - our own tool
        [str(SCHEMA_DIR / "node_modules" / ".bin" / "graphql-codegen"), "--config", "codegen.ts"],
        cwd=SCHEMA_DIR,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
