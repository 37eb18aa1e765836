"""ASGI middleware: a request id on every response, one log line per request, and the last
resort for an exception nothing else answered (E_INTERNAL, logged with the request id)."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import TYPE_CHECKING

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from nexus.observability.request_record import RequestObserver

from nexus.app.media_types import GRAPHQL_RESPONSE_JSON, JSON, wants_graphql_response_json
from nexus.graphql.errors import internal_error
from nexus.logging_setup import current_request_id

__all__ = ["RequestLogMiddleware", "answer_internal_error"]

logger = logging.getLogger("nexus.http")

# Echo a client's id only when it is short and plain; anything else could forge log lines.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return secrets.token_hex(16)  # 32 hex digits as uuid4().hex gave, in a quarter of the time


def internal_error_response(scope: Scope) -> Response:
    """E_INTERNAL in the shape of transport.md, in the media type the client accepts."""
    accept = Headers(scope=scope).get("accept")
    media_type = GRAPHQL_RESPONSE_JSON if wants_graphql_response_json(accept) else JSON
    body = orjson.dumps({"errors": [internal_error(scope["state"]["request_id"])]})
    return Response(body, 500, media_type=f"{media_type}; charset=utf-8")


async def answer_internal_error(request: Request, _error: Exception) -> Response:
    """Starlette's handler for an exception a route raised: E_INTERNAL, not its plain-text
    500. Starlette re-raises the exception afterwards; the middleware logs it."""
    return internal_error_response(request.scope)


class RequestLogMiddleware:
    """`metrics`, when on, records each GraphQL request (count, latency, statements, and
    its span when tracing is on)."""

    def __init__(self, app: ASGIApp, *, metrics: RequestObserver | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        metrics = self.metrics
        record = metrics.start(scope) if metrics is not None else None
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The GraphQL endpoint and Starlette's routes answer their own failures; what
            # still arrives here is logged with the request id (uvicorn's log has none)
            # and, if nothing was sent yet, answered as E_INTERNAL.
            logger.exception(
                "unhandled error answering %s %s",
                scope["method"],
                scope["path"],
                extra={"request_id": request_id},
            )
            if not started_response:
                await internal_error_response(scope)(scope, receive, send_with_id)
        finally:
            if metrics is not None and record is not None:
                metrics.finish(record, status, time.perf_counter() - started)
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "operation": scope["state"].get("operation_name"),
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "request_id": request_id,
                    },
                )
            current_request_id.reset(token)
