"""What a worker's jobs share: the database, the pipeline's processes, the fetch rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from procrastinate import JobContext

from nexus.db.engine import Database
from nexus.ingest.fetch import FetchLimits
from nexus.worker.extraction import PageExtractor

__all__ = ["WorkerResources", "resources_of"]

CONTEXT_KEY = "resources"


@dataclass(frozen=True, slots=True)
class WorkerResources:
    database: Database
    extractor: PageExtractor
    limits: FetchLimits
    allow_hosts: frozenset[tuple[str, int]]
    max_attempts: int
    stalled_seconds: float

    def as_context(self) -> dict[str, object]:
        """The worker's `additional_context`, which every job's context carries."""
        return {CONTEXT_KEY: self}


def resources_of(context: JobContext) -> WorkerResources:
    return cast("WorkerResources", context.additional_context[CONTEXT_KEY])
