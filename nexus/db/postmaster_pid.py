"""A cluster's postmaster.pid: which process and port it names, and whether that process
is still the cluster's server (a pid is reused after a reboot or in a new container)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostmasterPid", "read_postmaster_pid"]

# The file's lines (PostgreSQL's pidfile.h): pid, data directory, start time, port, ...
_PID_LINE, _PORT_LINE = 0, 3


@dataclass(frozen=True)
class PostmasterPid:
    path: Path
    pid: int
    port: int | None

    def names_a_running_server(self) -> bool:
        """True when the recorded pid is a running postgres of this file's data directory."""
        command = _command_line(self.pid)
        return command is not None and "postgres" in command and str(self.path.parent) in command


def read_postmaster_pid(pgdata: Path) -> PostmasterPid | None:
    """The cluster's postmaster.pid, or None when there is none (or it names no pid)."""
    path = pgdata / "postmaster.pid"
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    fields = [*lines, "", "", "", ""]
    if not fields[_PID_LINE].strip().isdigit():
        return None
    port = fields[_PORT_LINE].strip()
    return PostmasterPid(path, int(fields[_PID_LINE]), int(port) if port.isdigit() else None)


def _command_line(pid: int) -> str | None:
    if Path("/proc/self/cmdline").exists():
        try:
            arguments = (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except OSError:
            return None
        return arguments.replace(b"\0", b" ").decode(errors="replace")
    # No /proc (macOS): ask ps.
    ps = subprocess.run(  # noqa: S603 (fixed argv, no shell)
        ["ps", "-o", "command=", "-p", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return ps.stdout.strip() or None
