"""The API's metrics in one process: `/metrics`, the request recorder, the sampler, and the
metrics port when NEXUS_METRICS_PORT is set. Imported only when metrics are on."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AsyncExitStack
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nexus.app.websocket import GraphQLWebSocket
from nexus.compiled import CompiledReads
from nexus.db.engine import Database
from nexus.graphql.document_cache import DocumentCache
from nexus.observability.exposition import exposition
from nexus.observability.http_listener import Answer, http_listener
from nexus.observability.metrics import EVENTS_FANNED_OUT
from nexus.observability.realtime_events import record_fanned_out_with
from nexus.observability.request_record import RequestObserver
from nexus.observability.requests import RequestMetrics
from nexus.observability.sampler import ProcessSampler
from nexus.observability.statements import count_statements

__all__ = ["ApiMetrics"]


class ApiMetrics:
    """`/metrics` on the API's own listener, or with `port`, on a listener of its own on
    every interface (SO_REUSEPORT: each worker listens, any one answers for all)."""

    def __init__(
        self,
        *,
        port: int | None,
        database: Database,
        documents: DocumentCache[Any, Any],
        compiled: CompiledReads | None,
        websocket: GraphQLWebSocket,
    ) -> None:
        self.port = port
        requests = RequestMetrics()
        self.requests: RequestObserver | None = requests
        count_statements(database)
        self.sampler = ProcessSampler(database, documents, compiled, websocket, requests)
        record_fanned_out_with(EVENTS_FANNED_OUT.inc)
        self.routes = [] if port is not None else [Route("/metrics", self.page, methods=["GET"])]
        self._task: asyncio.Task[None] | None = None
        self._stack = AsyncExitStack()

    async def _answer(self) -> Answer:
        self.sampler.sample()
        return exposition()

    async def page(self, _request: Request) -> Response:
        status, body, content_type = await self._answer()
        return Response(body, status, headers={"Content-Type": content_type})

    async def start(self) -> None:
        """Sample in the background and listen on the metrics port, if any."""
        self._task = asyncio.get_running_loop().create_task(self.sampler.run())
        if self.port is not None:
            listener = http_listener(
                {"/metrics": self._answer},
                host="0.0.0.0",  # noqa: S104 - a scraper reaches it from elsewhere
                port=self.port,
                reuse_port=True,
            )
            await self._stack.enter_async_context(listener)

    async def stop(self) -> None:
        await self._stack.aclose()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # The last second's requests, for the scrapes other workers still answer.
        self.sampler.sample()
