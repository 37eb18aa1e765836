"""The `nexus` command: dev, serve, worker, migrate, rebuild-derived, schema export, seed,
token."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from nexus.config import Environment, Settings, SettingsError, load_settings
from nexus.db.unavailable import DatabaseUnavailableError

__all__ = ["main"]

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO_ROOT / "schema.graphql"


@contextmanager
def _database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set; otherwise an embedded PostgreSQL in the state dir (local only)."""
    if settings.database_url:
        _require_database(settings.database_url)
        yield settings.database_url
        return
    if settings.nexus_env is not Environment.LOCAL:
        raise SettingsError(f"DATABASE_URL: required when NEXUS_ENV={settings.nexus_env}")
    from nexus.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.nexus_state_dir.resolve())
    print(f"starting embedded PostgreSQL in {server.pgdata}", file=sys.stderr)
    server.start()
    try:
        yield server.url("postgres")
    finally:
        print("stopping embedded PostgreSQL", file=sys.stderr)
        server.stop()


def _require_database(url: str) -> None:
    """Connect once before a command uses `url`, so a database it cannot use is one line
    (DatabaseUnavailableError), not whichever traceback the first statement would raise."""
    from nexus.db.connection_check import check_connection

    check_connection(url)


def _seed(url: str, *, only_once: bool) -> None:
    from nexus.db.engine import Database, create_engine
    from nexus.services.seed import seed_sample_data

    async def run() -> None:
        database = Database(create_engine(url, pool_size=1))
        try:
            await seed_sample_data(database=database, only_if_empty=only_once)
        finally:
            await database.dispose()

    asyncio.run(run())


def cmd_dev(args: argparse.Namespace, settings: Settings) -> None:
    from nexus.db.migrations import upgrade

    with _database_url(settings) as url:
        upgrade(url)
        _seed(url, only_once=True)
        os.environ["DATABASE_URL"] = url
        # After the database check: importing the app logs (its job queue's tasks), and a
        # database error should stand alone.
        from nexus.app.graphiql import install_graphiql_assets

        if settings.graphiql_enabled:
            install_graphiql_assets()
        print(f"GraphiQL: http://{args.host}:{args.port}/graphql", file=sys.stderr)
        from nexus.serve import serve_dev
        from nexus.worker.dev import dev_worker

        grace_seconds = settings.nexus_shutdown_grace_seconds
        with dev_worker(url, grace_seconds=grace_seconds):
            serve_dev(
                args.host,
                args.port,
                reload_dirs=None if args.no_reload else [str(REPO_ROOT / "nexus")],
                grace_seconds=grace_seconds,
            )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    from nexus.serve import serve

    if not settings.database_url:
        raise SettingsError("DATABASE_URL: not set (`nexus dev` starts an embedded database)")
    _require_database(settings.database_url)
    serve(
        args.host,
        args.port,
        workers=args.workers,
        grace_seconds=settings.nexus_shutdown_grace_seconds,
    )


def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    from nexus.worker.runner import run_worker

    if not settings.database_url:
        raise SettingsError("DATABASE_URL: not set (`nexus dev` runs a worker of its own)")
    _require_database(settings.database_url)
    asyncio.run(run_worker(settings, concurrency=args.concurrency, processes=args.processes))


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError("use a positive whole number")
    return int(value)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from nexus.db.migrations import downgrade, upgrade

    with _database_url(settings) as url:
        if args.direction == "down":
            downgrade(url, args.revision or "-1")
        else:
            upgrade(url, args.revision or "head")


def cmd_rebuild_derived(_args: argparse.Namespace, settings: Settings) -> None:
    import psycopg

    with _database_url(settings) as url:
        libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(libpq, autocommit=True) as connection:
            row = connection.execute("SELECT rebuild_fragment_json()").fetchone()
    if row is None:
        raise RuntimeError("rebuild_fragment_json() returned no row")
    print(f"fragment_json: {row[0]} copies written", file=sys.stderr)


def cmd_schema_export(args: argparse.Namespace, _settings: Settings) -> None:
    from nexus.graphql.schema import export_sdl

    sdl = export_sdl()
    target: Path = args.output
    if args.check:
        current = target.read_text() if target.exists() else ""
        if current != sdl:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                sdl.splitlines(keepends=True),
                f"{target} (committed)",
                f"{target} (from the code)",
            )
            sys.stderr.writelines(diff)
            print(f"\n{target} is stale: run `nexus schema export`", file=sys.stderr)
            raise SystemExit(1)
        print(f"{target} is up to date", file=sys.stderr)
        return
    target.write_text(sdl)
    print(f"wrote {target}", file=sys.stderr)


def cmd_seed(_args: argparse.Namespace, settings: Settings) -> None:
    with _database_url(settings) as url:
        _seed(url, only_once=False)


def _duration(value: str) -> int:
    match = re.fullmatch(r"(\d+)([smhd]?)", value.strip())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError("use a positive number of seconds or e.g. 30m, 1h, 7d")
    amount, unit = int(match[1]), match[2] or "s"
    return amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def cmd_token(args: argparse.Namespace, settings: Settings) -> None:
    from nexus.auth.local_keys import DEV_USER_ID, LocalSigningKey

    if settings.nexus_env is not Environment.LOCAL or settings.nexus_jwks_url:
        raise SettingsError(
            "NEXUS_ENV: `nexus token` mints local development tokens only "
            "(NEXUS_ENV=local without NEXUS_JWKS_URL)"
        )
    key = LocalSigningKey.load_or_create(settings.nexus_state_dir)
    print(key.mint(args.sub or DEV_USER_ID, args.ttl))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexus", description="Nexus API: the GraphQL backend of the Nexus reading app."
    )
    parser.add_argument(
        "--version", action="version", version=f"nexus {importlib.metadata.version('nexus-api')}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser(
        "dev",
        help="run the API for development (embedded PostgreSQL unless DATABASE_URL is set)",
        description="Start an embedded PostgreSQL in .nexus/pgdata (unless DATABASE_URL is "
        "set), migrate it to head, seed the sample data once, and serve the API with "
        "GraphiQL at /graphql, reloading on code changes, with a job worker in its own "
        "process. Ctrl-C stops them all.",
    )
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    dev.add_argument("--no-reload", action="store_true", help="do not restart on code changes")
    dev.set_defaults(handler=cmd_dev)

    serve = commands.add_parser(
        "serve",
        help="serve the API (production; needs DATABASE_URL)",
        description="Serve the API with uvicorn against DATABASE_URL; never starts a database.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser(
        "worker",
        help="run the job queue: process saved URLs (needs DATABASE_URL)",
        description="Run the jobs of the queue on DATABASE_URL (fetching and extracting "
        "saved URLs, and the queue's upkeep) until SIGTERM or SIGINT, which let running "
        "jobs finish for NEXUS_SHUTDOWN_GRACE_SECONDS; jobs still running then are queued "
        "again. Run any number of workers, on any number of machines.",
    )
    worker.add_argument(
        "--concurrency", type=_positive, default=4, help="jobs run at once (default 4)"
    )
    worker.add_argument(
        "--processes",
        type=_positive,
        default=1,
        help="processes extracting articles, each about one core and 100 MB (default 1)",
    )
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser(
        "migrate",
        help="apply or revert migrations",
        description="`nexus migrate` upgrades to head; `nexus migrate down` reverts one "
        "revision; a REV names the target (e.g. `down base`).",
    )
    migrate.add_argument("direction", nargs="?", choices=["up", "down"], default="up")
    migrate.add_argument("revision", nargs="?", help="target revision (default: head / -1)")
    migrate.set_defaults(handler=cmd_migrate)

    rebuild = commands.add_parser(
        "rebuild-derived",
        help="recompute the derived tables (after a bulk load that bypassed triggers)",
        description="Recompute fragment_json, each fragment's texts as JSON for the compiled "
        "reads, from the fragments; only copies that differ are written. A trigger keeps it "
        "current; run this after loading data with triggers off (a restore, a COPY under "
        "session_replication_role = replica).",
    )
    rebuild.set_defaults(handler=cmd_rebuild_derived)

    schema = commands.add_parser("schema", help="the exported GraphQL SDL")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True)
    export = schema_commands.add_parser(
        "export",
        help="write schema.graphql (or --check that it is current)",
        description="Write the schema's SDL to schema.graphql; with --check, exit 1 with a "
        "diff when the committed file is stale.",
    )
    export.add_argument("--check", action="store_true", help="verify instead of writing")
    export.add_argument("--output", type=Path, default=SCHEMA_FILE, help=argparse.SUPPRESS)
    export.set_defaults(handler=cmd_schema_export)

    seed = commands.add_parser(
        "seed",
        help="load the sample articles into the database (idempotent)",
        description="Load a few sample web articles with fragments into the dev user's "
        "default library. Running it again changes nothing.",
    )
    seed.set_defaults(handler=cmd_seed)

    token = commands.add_parser(
        "token",
        help="print a local development token",
        description="Print a JWT signed by the local development key (NEXUS_ENV=local "
        "without NEXUS_JWKS_URL), for `Authorization: Bearer …`.",
    )
    token.add_argument("--sub", type=UUID, help="the user id (default: the stable dev user)")
    token.add_argument("--ttl", type=_duration, default=3600, help="lifetime, e.g. 30m, 1h")
    token.set_defaults(handler=cmd_token)
    _add_debug_option(parser, commands.choices.values())
    return parser


def _add_debug_option(
    parser: argparse.ArgumentParser, commands: Iterable[argparse.ArgumentParser]
) -> None:
    """`--debug`, before or after the command: NEXUS_LOG_LEVEL=DEBUG for this run."""
    text = "show the traceback of a failure and debug logs (as NEXUS_LOG_LEVEL=DEBUG)"
    parser.add_argument("--debug", action="store_true", help=text)
    for command in commands:
        # SUPPRESS: a command without --debug keeps the one given before it.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=text)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.debug:
        # Through the environment, so the processes `nexus dev` starts log at DEBUG too.
        os.environ["NEXUS_LOG_LEVEL"] = "DEBUG"
    handler: Callable[[argparse.Namespace, Settings], None] = args.handler
    try:
        settings = load_settings()
        from nexus.logging_setup import configure_logging

        configure_logging(settings.nexus_log_level, settings.log_format)
        handler(args, settings)
    except SettingsError as error:
        print(f"nexus: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except DatabaseUnavailableError as error:
        if settings.nexus_log_level == "DEBUG":
            raise
        print(f"nexus: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
