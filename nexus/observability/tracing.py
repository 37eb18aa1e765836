"""OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set; imported only then.

A span per GraphQL request (named for its operation, with the request id), a child span
per SQL statement it runs (the compiled statement, each batch of the resolver path, each
statement of a mutation's transaction), and a span per job in the worker (with the media
id), its statements as children. Spans leave in batches, off the request path, to the
OTLP/HTTP endpoint. A tracer provider already installed (by `opentelemetry-instrument`,
or a test) is used as it is.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer
from procrastinate import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker
from starlette.types import Scope

from nexus.observability.request_record import RequestObserver, RequestRecord, current_record

__all__ = ["TracedRequests", "trace_job", "tracer_for"]


def tracer_for(service: str, endpoint: str) -> Tracer:
    """The process's tracer, exporting to `endpoint` (the OTLP base URL) as `service`."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
    return provider.get_tracer("nexus")


class TracedRequests:
    """The request log middleware's recorder with tracing: each `/graphql` request in a
    span of its own, current while it runs (its statements' spans are its children),
    named once the operation is known; `metrics` records it as well when they are on."""

    def __init__(self, tracer: Tracer, metrics: RequestObserver | None) -> None:
        self.tracer = tracer
        self.metrics = metrics

    def start(self, scope: Scope) -> RequestRecord | None:
        if scope["path"] != "/graphql":
            return None
        record = RequestRecord()
        current_record.set(record)
        record.tracer = self.tracer
        record.span = self.tracer.start_span(
            "graphql", attributes={"nexus.request_id": scope["state"]["request_id"]}
        )
        record.context_token = context.attach(trace.set_span_in_context(record.span))
        return record

    def finish(self, record: RequestRecord, status: int, seconds: float) -> None:
        name = record.name
        span = record.span
        span.update_name(f"{record.operation} {name}".strip())
        span.set_attributes(
            {
                "graphql.operation.type": record.operation,
                "graphql.operation.name": name,
                "nexus.read_path": record.path,
                "nexus.statements": record.statements,
                "http.response.status_code": status,
            }
        )
        span.end()
        context.detach(record.context_token)
        if self.metrics is not None:
            self.metrics.finish(record, status, seconds)
        current_record.set(None)


def trace_job(tracer: Tracer) -> Any:  # noqa: ANN401 - procrastinate's middleware type
    """procrastinate's worker middleware: each job in a span (task, job and media ids),
    its statements as children."""

    async def traced(call_next: AsyncCallNext, job: JobContext, _worker: Worker) -> Any:  # noqa: ANN401
        record = RequestRecord()
        record.tracer = tracer
        attributes: dict[str, str | int] = {
            "nexus.task": job.job.task_name,
            "nexus.job_id": job.job.id or 0,
        }
        media_id = job.job.task_kwargs.get("media_id")
        if media_id is not None:
            attributes["nexus.media_id"] = str(media_id)
        with tracer.start_as_current_span(f"job {job.job.task_name}", attributes=attributes):
            token = current_record.set(record)
            try:
                return await call_next()
            finally:
                current_record.reset(token)

    return traced
