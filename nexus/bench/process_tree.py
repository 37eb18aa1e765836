"""A process and its descendants, sampled from /proc: peak memory and CPU time of each."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ProcessTree"]

_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessTree:
    """The highest VmHWM and the CPU seconds seen of each process under `root` (children
    that come and go included); the sum of the peaks bounds the tree's peak from above."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kib: dict[int, int] = {}
        self.cpu_seconds: dict[int, float] = {}

    def sample(self) -> None:
        pending = [self.root]
        while pending:
            pid = pending.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), int(line.split()[1]))
            # utime and stime: the 14th and 15th fields, counted after the command's ")".
            fields = stat.rsplit(")", 1)[1].split()
            self.cpu_seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
            pending.extend(int(child) for child in children)

    @property
    def peak_mib(self) -> float:
        return sum(self.peak_kib.values()) / 1024

    def describe(self) -> str:
        """`290 MiB over 4 processes (worker 95 MiB 4.1 s CPU; others 85 MiB 9.0 s, ...)`."""
        parts = [
            f"{self.peak_kib[pid] / 1024:.0f} MiB {self.cpu_seconds.get(pid, 0):.1f} s CPU"
            for pid in sorted(self.peak_kib, key=lambda pid: pid != self.root)
        ]
        return (
            f"{self.peak_mib:.0f} MiB over {len(self.peak_kib)} processes "
            f"(the worker first: {'; '.join(parts)})"
        )
