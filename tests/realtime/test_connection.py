"""The connection's rules: the protocol, connection_init's authentication (the HTTP
checks), the token's expiry, the init timeout, pings."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest

from tests.factories import global_id
from tests.identity import IdentityProvider
from tests.realtime.client import MEDIA_PROCESSING, GraphQLSocket

INTERNAL_SECRET = "internal-secret-for-tests"


async def test_the_legacy_graphql_ws_protocol_is_refused(served) -> None:
    async with GraphQLSocket.open(served.url, subprotocols=("graphql-ws",)) as socket:
        assert socket.connection.subprotocol is None
        assert await socket.closed() == (4406, "Subprotocol not acceptable")


async def test_graphql_transport_ws_is_chosen_among_others(served) -> None:
    protocols = ("graphql-ws", "graphql-transport-ws")
    async with GraphQLSocket.open(served.url, subprotocols=protocols) as socket:
        assert socket.connection.subprotocol == "graphql-transport-ws"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": ["Bearer x"]},
    ],
)
async def test_a_connection_init_without_a_valid_token_closes_with_4401(served, payload) -> None:
    async with GraphQLSocket.open(served.url) as socket:
        await socket.send({"type": "connection_init", "payload": payload})
        assert await socket.closed() == (4401, "E_UNAUTHENTICATED")


async def test_an_expired_token_closes_with_4401(served, identity: IdentityProvider) -> None:
    token = identity.token(uuid4(), exp=int(time.time()) - 120)
    async with GraphQLSocket.open(served.url) as socket:
        await socket.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        )
        assert await socket.closed() == (4401, "E_UNAUTHENTICATED")


async def test_subscribe_before_connection_ack_closes_with_4401_and_runs_nothing(served) -> None:
    async with GraphQLSocket.open(served.url) as socket:
        await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", uuid4())})
        assert await socket.closed() == (4401, "Unauthorized")


async def test_the_socket_closes_with_4401_when_the_token_expires(
    served, identity: IdentityProvider
) -> None:
    # Accepted until exp plus the 60 s of leeway HTTP allows: here about 2 s from now.
    token = identity.token(uuid4(), exp=int(time.time()) - 58)
    async with GraphQLSocket.open(served.url) as socket:
        await socket.init(token)
        started = time.monotonic()
        assert await socket.closed(seconds=10) == (4401, "Token expired")
    assert time.monotonic() - started < 5


async def test_a_second_connection_init_closes_with_4429(
    connect, identity: IdentityProvider
) -> None:
    async with connect(uuid4()) as socket:
        token = identity.token(uuid4())
        await socket.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        )
        assert await socket.closed() == (4429, "Too many initialisation requests")


async def test_without_connection_init_the_socket_closes_after_the_wait(serve) -> None:
    async with serve(nexus_ws_init_timeout_seconds=0.5) as served:
        async with GraphQLSocket.open(served.url) as socket:
            started = time.monotonic()
            assert await socket.closed() == (4408, "Connection initialisation timeout")
        assert 0.4 < time.monotonic() - started < 3


async def test_an_idle_connection_is_pinged(serve, identity: IdentityProvider) -> None:
    async with (
        serve(nexus_ws_ping_seconds=0.3) as served,
        GraphQLSocket.open(served.url) as socket,
    ):
        await socket.init(identity.token(uuid4()))
        raw = await socket.connection.recv()
        assert raw == '{"type":"ping"}'


async def test_staging_requires_the_internal_header_in_connection_init(
    serve, identity: IdentityProvider
) -> None:
    settings = {"nexus_env": "staging", "nexus_internal_secret": INTERNAL_SECRET}
    async with serve(**settings) as served:
        token = identity.token(uuid4())
        async with GraphQLSocket.open(served.url) as socket:
            await socket.send(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            )
            assert await socket.closed() == (4403, "E_INTERNAL_ONLY")
        async with GraphQLSocket.open(served.url) as socket:
            wrong = {"Authorization": f"Bearer {token}", "X-Nexus-Internal": "wrong"}
            await socket.send({"type": "connection_init", "payload": wrong})
            assert await socket.closed() == (4403, "E_INTERNAL_ONLY")
        async with GraphQLSocket.open(served.url) as socket:
            await socket.init(token, **{"X-Nexus-Internal": INTERNAL_SECRET})


async def test_a_message_that_is_not_json_closes_with_4400(served) -> None:
    async with GraphQLSocket.open(served.url) as socket:
        await socket.connection.send("{not json")
        code, _reason = await socket.closed()
        assert code == 4400
