"""The `nexus` command, run as a user runs it."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from nexus.cli import main
from nexus.graphql.schema import export_sdl
from tests.cli_process import NEXUS, cli_env, free_port, wait_for


def test_dev_starts_embedded_postgres_serves_and_stops_cleanly_on_ctrl_c(
    outside_tmp: Path,
) -> None:
    port = free_port()
    state = outside_tmp / "state"
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [*NEXUS, "dev", "--port", str(port)],
        env=cli_env(NEXUS_STATE_DIR=str(state)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/health", process).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
        assert "GraphiQL" in page.text
        assert (state / "pgdata" / "postmaster.pid").exists()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, 130), stderr.decode()
    assert not (state / "pgdata" / "postmaster.pid").exists(), stderr.decode()


def test_schema_export_check_fails_with_a_diff_when_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.graphql"
    target.write_text(export_sdl().replace("viewer", "watcher"))
    with pytest.raises(SystemExit) as exited:
        main(["schema", "export", "--check", "--output", str(target)])
    assert exited.value.code == 1
    assert "+  viewer: Viewer!" in capsys.readouterr().err


def test_schema_export_writes_what_check_then_accepts(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    main(["schema", "export", "--output", str(target)])
    main(["schema", "export", "--check", "--output", str(target)])
    assert target.read_text() == export_sdl()


def test_committed_schema_graphql_is_current() -> None:
    assert (Path(__file__).parents[1] / "schema.graphql").read_text() == export_sdl()


def test_migrate_up_and_down_through_the_cli(create_database: Callable[[str], str]) -> None:
    url = create_database("nexus_cli")
    run = [*NEXUS, "migrate"]
    subprocess.run(run, env=cli_env(DATABASE_URL=url), check=True, capture_output=True)  # noqa: S603
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        assert conn.execute("SELECT to_regclass('libraries')").fetchone() == ("libraries",)
    subprocess.run(  # noqa: S603
        [*run, "down", "base"], env=cli_env(DATABASE_URL=url), check=True, capture_output=True
    )
    with psycopg.connect(libpq) as conn:
        assert conn.execute("SELECT to_regclass('libraries')").fetchone() == (None,)


def test_rebuild_derived_recomputes_the_copies_a_bulk_load_left_out(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_cli")
    subprocess.run([*NEXUS, "migrate"], env=cli_env(DATABASE_URL=url), check=True)  # noqa: S603
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as conn:
        media = conn.execute(
            "INSERT INTO media (kind, title) VALUES ('pdf', 'M') RETURNING id"
        ).fetchone()[0]
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized)"
            " VALUES (%s, 0, 'a \"b\"', '<p>a</p>')",
            (media,),
        )
    result = subprocess.run(  # noqa: S603
        [*NEXUS, "rebuild-derived"], env=cli_env(DATABASE_URL=url), check=True, capture_output=True
    )
    assert b"fragment_json: 1 copies written" in result.stderr
    with psycopg.connect(libpq) as conn:
        copy = conn.execute("SELECT canonical_text::text FROM fragment_json").fetchall()
    assert copy == [('"a \\"b\\""',)]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"NEXUS_ENV": "prod", "NEXUS_INTERNAL_SECRET": "s"}, "DATABASE_URL"),
        ({"NEXUS_ENV": "staging", "DATABASE_URL": "postgresql://x/y"}, "NEXUS_INTERNAL_SECRET"),
        ({"NEXUS_ENV": "production"}, "NEXUS_ENV"),
    ],
)
def test_start_up_refuses_bad_settings_with_one_line_naming_the_variable(
    env: dict[str, str], variable: str
) -> None:
    result = subprocess.run(  # noqa: S603
        [*NEXUS, "serve"],
        check=False,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr
