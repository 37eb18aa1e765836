"""The guarded transport sends request bodies an async client streams; a synchronous body is
refused with TypeError before any connection (a check of its own, kept under `python -O`)."""

from __future__ import annotations

import httpx
import pytest

from nexus.ingest.guarded_transport import GuardedTransport
from tests.ingest.pages_server import TableResolver, connections_attempted


async def test_a_synchronous_request_body_is_refused() -> None:
    transport = GuardedTransport(allow_hosts=frozenset(), resolver=TableResolver({}))
    request = httpx.Request("POST", "https://public.example/", content=iter([b"body"]))
    with connections_attempted() as attempts, pytest.raises(TypeError, match="AsyncClient"):
        await transport.handle_async_request(request)
    assert attempts == []
