"""What `create_app` calls: the API's metrics when they are on, else an object doing
nothing. prometheus-client is imported only in the first case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from nexus.config import Settings

if TYPE_CHECKING:
    from nexus.app.websocket import GraphQLWebSocket
    from nexus.compiled import CompiledReads
    from nexus.db.engine import Database
    from nexus.graphql.document_cache import DocumentCache
    from nexus.observability.api import ApiMetrics
    from nexus.observability.request_record import RequestObserver

__all__ = ["NoMetrics", "api_metrics"]


class NoMetrics:
    """Metrics off: no route, no recorder, nothing started."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: RequestObserver | None = None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def api_metrics(
    settings: Settings,
    *,
    database: Database,
    documents: DocumentCache[Any, Any],
    compiled: CompiledReads | None,
    websocket: GraphQLWebSocket,
) -> ApiMetrics | NoMetrics:
    """The API process's metrics per NEXUS_METRICS and NEXUS_METRICS_PORT, its requests
    traced when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    metrics: ApiMetrics | NoMetrics = NoMetrics()
    if settings.metrics_enabled:
        from nexus.observability.api import ApiMetrics  # noqa: PLC0415 - only when on

        metrics = ApiMetrics(
            port=settings.nexus_metrics_port,
            database=database,
            documents=documents,
            compiled=compiled,
            websocket=websocket,
        )
    endpoint = settings.otel_exporter_otlp_endpoint
    if endpoint:
        from nexus.observability.statements import count_statements  # noqa: PLC0415
        from nexus.observability.tracing import TracedRequests, tracer_for  # noqa: PLC0415

        count_statements(database)
        tracer = tracer_for("nexus-api", endpoint)
        metrics.requests = TracedRequests(tracer, metrics.requests)
    return metrics
