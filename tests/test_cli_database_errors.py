"""A database the command cannot use is one line on stderr and exit status 1, never the
password; --debug or NEXUS_LOG_LEVEL=DEBUG shows the traceback."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from sqlalchemy.engine import make_url

from tests.cli_process import NEXUS, cli_env, free_port

PASSWORD = "s3cret-never-shown"

COMMANDS = [
    pytest.param(["dev", "--no-reload", "--port", "0"], id="dev"),
    pytest.param(["migrate"], id="migrate"),
    pytest.param(["serve", "--port", "0"], id="serve"),
    pytest.param(["worker"], id="worker"),
]


def _run(arguments: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        [*NEXUS, *arguments],
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nexus: ")
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_port_is_one_line_naming_host_port_and_database(command: list[str]) -> None:
    port = free_port()
    result = _run(command, DATABASE_URL=f"postgresql://nexus:{PASSWORD}@127.0.0.1:{port}/nx_app")
    line = _one_line(result)
    assert f"127.0.0.1:{port}" in line
    assert '"nx_app"' in line
    assert "start PostgreSQL" in line
    assert PASSWORD not in result.stderr + result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_database_is_one_line_saying_how_to_create_it(
    command: list[str], server_url: str
) -> None:
    name = f"nexus_missing_{uuid.uuid4().hex[:10]}"
    server = make_url(server_url)
    # The server's own password when it needs one; otherwise one its trust auth ignores.
    url = server.set(database=name, password=server.password or PASSWORD)
    result = _run(command, DATABASE_URL=url.render_as_string(hide_password=False))
    line = _one_line(result)
    assert f"{server.host}:{server.port}" in line
    assert f"createdb -h {server.host} -p {server.port} -U {server.username} {name}" in line
    assert str(url.password) not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("arguments", "env"),
    [
        pytest.param(["--debug", "migrate"], {}, id="--debug before"),
        pytest.param(["migrate", "--debug"], {}, id="--debug after"),
        pytest.param(["migrate"], {"NEXUS_LOG_LEVEL": "DEBUG"}, id="NEXUS_LOG_LEVEL"),
    ],
)
def test_debug_shows_the_traceback_still_without_the_password(
    arguments: list[str], env: dict[str, str]
) -> None:
    url = f"postgresql://nexus:{PASSWORD}@127.0.0.1:{free_port()}/nx_app"
    result = _run(arguments, DATABASE_URL=url, **env)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "DatabaseUnavailableError" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
