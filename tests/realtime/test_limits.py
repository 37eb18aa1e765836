"""Limits of subscription documents (those of HTTP) and of a connection: operations at
once, a client that does not read."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.db.engine import Database
from nexus.db.tables import fragments
from nexus.services.processing import release_for_retry
from tests.factories import global_id
from tests.identity import IdentityProvider
from tests.realtime.client import MEDIA_PROCESSING, VIEWER_MEDIA_UPDATES, GraphQLSocket
from tests.realtime.data import saved_media, start


async def _refusal(socket: GraphQLSocket, operation_id: str) -> dict:
    message = await socket.receive()
    assert message["type"] == "error", message
    assert message["id"] == operation_id
    (error,) = message["payload"]
    assert error["extensions"]["code"] == "E_INVALID_REQUEST"
    return error


async def test_depth_alias_and_cost_limits_apply_to_subscriptions(
    serve, identity: IdentityProvider
) -> None:
    limits = {"nexus_max_depth": 1, "nexus_max_aliases": 0}
    media = global_id("Media", uuid4())
    async with serve(**limits) as served, GraphQLSocket.open(served.url) as socket:
        await socket.init(identity.token(uuid4()))
        await socket.subscribe("deep", MEDIA_PROCESSING, {"id": media})
        assert (await _refusal(socket, "deep"))["extensions"]["depth"]["maximum"] == 1
        aliased = "subscription { a: viewerMediaUpdates { uuid } }"
        await socket.subscribe("alias", aliased)
        assert (await _refusal(socket, "alias"))["extensions"]["aliases"]["maximum"] == 0


async def test_the_cost_limit_applies_to_subscriptions(serve, identity: IdentityProvider) -> None:
    costly = (
        "subscription($id: ID!) { mediaProcessing(id: $id) {"
        " fragments(first: 50) { totalCount } } }"
    )
    async with serve(nexus_max_cost=10) as served, GraphQLSocket.open(served.url) as socket:
        await socket.init(identity.token(uuid4()))
        await socket.subscribe("cost", costly, {"id": global_id("Media", uuid4())})
        error = await _refusal(socket, "cost")
    assert error["extensions"]["cost"] == {"requested": 50, "maximum": 10}


async def test_the_token_limit_applies_to_subscriptions(serve, identity: IdentityProvider) -> None:
    async with serve(nexus_max_tokens=10) as served, GraphQLSocket.open(served.url) as socket:
        await socket.init(identity.token(uuid4()))
        await socket.subscribe("long", MEDIA_PROCESSING, {"id": global_id("Media", uuid4())})
        error = await _refusal(socket, "long")
    assert error["extensions"]["tokens"] == {"maximum": 10}


async def test_invalid_documents_and_other_operations_are_refused(connect) -> None:
    async with connect(uuid4()) as socket:
        await socket.subscribe("q", "{ viewer { user { uuid } } }")
        assert "HTTP" in (await _refusal(socket, "q"))["message"]
        await socket.subscribe("bad", "subscription { nope }")
        await _refusal(socket, "bad")
        await socket.subscribe("id", MEDIA_PROCESSING, {"id": global_id("Library", uuid4())})
        await _refusal(socket, "id")


async def test_at_most_the_limit_of_operations_run_on_one_connection(
    serve, identity: IdentityProvider
) -> None:
    async with serve(nexus_ws_max_operations=3) as served, GraphQLSocket.open(served.url) as socket:
        await socket.init(identity.token(uuid4()))
        for operation_id in ("1", "2", "3", "4"):
            await socket.subscribe(operation_id, VIEWER_MEDIA_UPDATES)
        error = await _refusal(socket, "4")
        assert error["extensions"]["operations"] == {"maximum": 3}
        # A completed operation makes room for another.
        await socket.send({"id": "1", "type": "complete"})
        await socket.subscribe("5", VIEWER_MEDIA_UPDATES)
        await socket.subscribe("6", VIEWER_MEDIA_UPDATES)
        assert (await _refusal(socket, "6"))["extensions"]["operations"] == {"maximum": 3}


async def test_a_client_that_does_not_read_is_disconnected_not_buffered_for(
    serve, identity: IdentityProvider, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    user = uuid4()
    async with (
        serve(nexus_ws_max_queued_messages=4) as served,
        GraphQLSocket.open(served.url, slow=True) as socket,
    ):
        await socket.init(identity.token(user))
        media_id = await saved_media(realtime_engine, user)
        async with realtime_engine.begin() as connection:
            # About 750 KB per event (uncompressed: the client offers no compression):
            # the buffers on the way fill after a few.
            html = "<p>" + "slow " * 150_000 + "</p>"
            await connection.execute(
                insert(fragments).values(
                    media_id=media_id, idx=0, canonical_text="slow", html_sanitized=html
                )
            )
        fat = (
            "subscription { viewerMediaUpdates { processingStatus"
            " fragments { edges { node { htmlSanitized } } } } }"
        )
        await socket.subscribe("fat", fat)
        await asyncio.sleep(0.2)
        # The client reads nothing meanwhile.
        for _ in range(30):
            await start(worker_database, media_id)
            async with worker_database.transaction() as session:
                await release_for_retry(session=session, media_id=media_id)
        endpoint = served.app.app.state.websocket
        # Generous bounds: each 750 KB event is resolved and sent, slowly on a busy machine;
        # the assertion is that the server gives up on the client, not how fast.
        async with asyncio.timeout(90):
            while any(s.operations for s in endpoint.sessions):  # noqa: ASYNC110 (server state)
                await asyncio.sleep(0.05)
        code, _reason = await socket.closed(seconds=60)
        # 1008 when the close frame gets through; none when the client's unread buffers
        # are still full and the server has to drop the connection without one.
        assert code in (1008, None)
