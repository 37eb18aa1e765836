"""The error of a database a command cannot use, which the CLI reports in one line."""

from __future__ import annotations

__all__ = ["DatabaseUnavailableError"]


class DatabaseUnavailableError(Exception):
    """The database a command needs cannot be used: no server answers, the database does
    not exist, the server refuses the user, or another process holds the embedded cluster.
    The message says which and what to do, and never holds a password."""
