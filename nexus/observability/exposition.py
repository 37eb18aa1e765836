"""The text a scrape gets: this process's metrics, or every worker's in multiprocess mode."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from nexus.observability.http_listener import Answer

__all__ = ["exposition"]


def exposition() -> Answer:
    """200 and the metrics in Prometheus' text format. Under a supervisor
    (PROMETHEUS_MULTIPROC_DIR set) the values of all its workers, read from their files, as
    prometheus-client documents it: a fresh registry per scrape."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return 200, generate_latest(registry), CONTENT_TYPE_LATEST
    return 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST
