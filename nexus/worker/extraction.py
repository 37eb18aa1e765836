"""The article pipeline, run off the worker's event loop in processes of its own.

The pipeline is CPU-bound Python and lxml. Measured with `python -m nexus.bench.ingest` on
the 89 benchmark pages (2 shared cores, `nexus serve` and PostgreSQL beside, runs
alternated): one child process gave 0.73-0.92 of the in-process pipeline's pages/s with
a worker peak RSS of 203-205 MiB; two threads in the worker 0.53-0.62 and 163 MiB (the GIL
keeps the pipeline and the loop's fetches and statements on one core); two children
0.48 and 260 MiB (over the 250 MiB budget, and no faster on 2 cores). Children are
spawned (not forked from a process with a running loop and open connections) and import
only the pipeline; the worker's own process never does.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from nexus.errors import ErrorCode
from nexus.ingest.article import Article
from nexus.ingest.errors import IngestError

__all__ = ["PageExtractor"]

# A child is replaced after this many pages: what lxml and trafilatura's caches keep
# grows with each page, and the worker's memory budget counts its children.
PAGES_PER_CHILD = 200
# prctl(2): the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class _Refusal:
    """An IngestError crossing back from a child (its constructor does not unpickle)."""

    code: ErrorCode
    message: str
    transient: bool


def _load_pipeline(worker_pid: int) -> None:
    """Each child's initializer: it dies with the worker (a worker killed with SIGKILL
    would otherwise leave its children waiting for pages forever), and the pipeline's
    imports (seconds of CPU) happen when the child starts, not in its first job."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != worker_pid:  # the worker died before the line above
        os._exit(1)
    import nexus.ingest.pipeline  # noqa: F401, PLC0415 - only children load it


def _started() -> None:
    """A task for a new pool: submitting it makes the pool start a child."""


def _build_in_child(body: bytes, url: str, content_type: str | None) -> Article | _Refusal:
    from nexus.ingest.pipeline import build_article  # noqa: PLC0415 - loaded by the initializer

    try:
        return build_article(body, url=url, content_type=content_type)
    except IngestError as error:
        return _Refusal(error.code, error.message, error.transient)


class PageExtractor:
    """Builds articles in at most `processes` child processes at once."""

    def __init__(self, *, processes: int) -> None:
        self._processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            max_tasks_per_child=PAGES_PER_CHILD,
            initializer=_load_pipeline,
            initargs=(os.getpid(),),
        )

    async def start(self) -> None:
        """Start every child and wait until each has loaded the pipeline (a worker takes
        jobs only once it can run them at full speed)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, _started) for _ in range(self._processes))
        )

    async def build(self, body: bytes, *, url: str, content_type: str | None) -> Article:
        """The page's article, or its IngestError. A child that died (killed for memory,
        crashed in a C extension) fails the pages it held as transient: they are tried
        again in a fresh pool, and a page that kills every child runs out of attempts."""
        pool = self._pool
        work = functools.partial(_build_in_child, body, url, content_type)
        try:
            result = await asyncio.get_running_loop().run_in_executor(pool, work)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = self._new_pool()
                pool.shutdown(wait=False)
            raise IngestError(
                ErrorCode.E_INGEST_FAILED, "The page could not be processed.", transient=True
            ) from None
        if isinstance(result, _Refusal):
            raise IngestError(result.code, result.message, transient=result.transient)
        return result

    def close(self) -> None:
        """Stop the children, dropping pages not started (their jobs are being retried)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
