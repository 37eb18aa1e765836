"""Every log line written while a job runs names the job and its media."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["JobLogFilter", "job_log_context"]

_current_job: ContextVar[tuple[int | None, str | None] | None] = ContextVar(
    "current_job", default=None
)


@contextmanager
def job_log_context(*, job_id: int | None, media_id: str | None) -> Iterator[None]:
    """Tag the lines logged inside the block (the job's own task and what it awaits)."""
    token = _current_job.set((job_id, media_id))
    try:
        yield
    finally:
        _current_job.reset(token)


class JobLogFilter(logging.Filter):
    """Adds `job_id` and `media_id` to a record: from the running job's context, or from
    the `job` procrastinate puts on its own lines about a job (start, outcome)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _current_job.get()
        job = getattr(record, "job", None)
        if ids is None and isinstance(job, dict):
            arguments = job.get("task_kwargs") or {}
            ids = (job.get("id"), arguments.get("media_id"))
        if ids is not None:
            record.job_id, record.media_id = ids
        return True
