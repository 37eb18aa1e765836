"""`/health` (the process runs; touches nothing) and `/ready` (the database is usable)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from nexus.errors import NexusError
from nexus.graphql.errors import format_request_error
from nexus.services.readiness import check_ready

__all__ = ["health", "ready"]


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"data": {"status": "ok"}})


async def ready(request: Request) -> JSONResponse:
    try:
        await check_ready(database=request.app.state.database)
    except NexusError as error:
        return JSONResponse({"errors": [format_request_error(error)]}, status_code=error.status)
    return JSONResponse({"data": {"status": "ready"}})
