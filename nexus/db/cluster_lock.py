"""One process at a time runs an embedded cluster: an advisory lock on a file beside it.

The kernel drops an flock when its holder dies, however it dies (SIGKILL, the OOM killer, a
closed terminal), so once the lock is ours, a postmaster still running on the cluster was
left behind by a process that is gone.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["ClusterLock"]


class ClusterLock:
    """The lock file `path`, taken without waiting and holding the holder's pid."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock and record our pid in it; False while a live process holds it."""
        if self._fd is not None:
            return True
        # Not inheritable (PEP 446): the postmaster we start must not keep the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> int | None:
        """The pid the holder recorded (None before it has written it)."""
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Let the cluster go; the file stays, as unlinking it would race a new holder."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
