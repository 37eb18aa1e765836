"""Can a command use the database at a URL? One connection tells; a failure becomes one
line naming the host, port and database and what to do, never the password."""

from __future__ import annotations

import shlex

import psycopg
from sqlalchemy.engine import URL, make_url

from nexus.db.unavailable import DatabaseUnavailableError

__all__ = ["check_connection"]

CONNECT_TIMEOUT_SECONDS = 10

# A failed connection carries no SQLSTATE, only libpq's text (with the server's English
# message): what it says, and what the user can do about it.
_NO_SERVER = "no server listens there; start PostgreSQL or fix DATABASE_URL"
_UNKNOWN_HOST = "unknown host; fix the host in DATABASE_URL"
_SYMPTOMS = (
    ("Connection refused", _NO_SERVER),
    ("No such file or directory", _NO_SERVER),  # a Unix socket nobody listens on
    (
        "timeout expired",
        f"no answer in {CONNECT_TIMEOUT_SECONDS} s; check that the server is up and "
        "reachable from here",
    ),
    ("failed to resolve host", _UNKNOWN_HOST),
    ("translate host name", _UNKNOWN_HOST),
    ("the database system is", "the server is starting up or shutting down; try again soon"),
)
_REFUSED_USER = ("authentication failed", "pg_hba.conf", "role ")


def check_connection(url: str) -> None:
    """Connect to `url` once; raise DatabaseUnavailableError saying why that failed."""
    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(libpq, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
    except psycopg.OperationalError as error:
        raise DatabaseUnavailableError(_explain(error, parsed)) from error


def _explain(error: psycopg.OperationalError, url: URL) -> str:
    socket_dir = url.query.get("host")
    host = url.host or (socket_dir if isinstance(socket_dir, str) else "the local socket")
    address = f"[{host}]" if ":" in host else host
    where = f'database "{url.database}" at {address}:{url.port or 5432}'
    return f"cannot use {where}: {_reason(error, url)}"


def _reason(error: psycopg.OperationalError, url: URL) -> str:
    message = str(error)
    if f'database "{url.database}" does not exist' in message:
        return f"it does not exist; create it with `{_createdb(url)}`"
    for symptom, reason in _SYMPTOMS:
        if symptom in message:
            return reason
    # libpq's last "…failed: " is followed by the server's (or its own) reason.
    detail = message.strip().splitlines()[0].rpartition(" failed: ")[2].removeprefix("FATAL:")
    detail = detail.strip().replace(str(url.password), "***") if url.password else detail.strip()
    if any(symptom in detail for symptom in _REFUSED_USER):
        return f"{detail}; check the user and password in DATABASE_URL"
    return detail


def _createdb(url: URL) -> str:
    command = ["createdb"]
    if url.host:
        command += ["-h", url.host]
    if url.port:
        command += ["-p", str(url.port)]
    if url.username:
        command += ["-U", url.username]
    return shlex.join([*command, url.database or ""])
