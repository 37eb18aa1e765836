"""`nexus serve --workers 2` and `nexus dev` (under uvicorn's reloader) serve WebSockets
in child processes and close them with 1001 (going away) when they stop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from nexus.realtime.listener import APPLICATION_NAME
from tests.cli_process import cli_env, free_port, wait_for
from tests.identity import AUDIENCE, ISSUER, IdentityProvider
from tests.realtime.client import VIEWER_MEDIA_UPDATES, GraphQLSocket


def _server_env(database_url: str, identity: IdentityProvider, **extra: str) -> dict[str, str]:
    return cli_env(
        DATABASE_URL=database_url,
        NEXUS_ENV="test",
        NEXUS_JWKS_URL=identity.url,
        NEXUS_JWT_ISSUER=ISSUER,
        NEXUS_JWT_AUDIENCE=AUDIENCE,
        **extra,
    )


async def _listeners(database_url: str) -> int:
    """The workers' LISTEN connections on the database, once all have started."""
    libpq = database_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(libpq, autocommit=True) as connection:
        for _ in range(100):
            row = await (
                await connection.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = %s AND datname = current_database()",
                    (APPLICATION_NAME,),
                )
            ).fetchone()
            if row and row[0] >= 2:
                return int(row[0])
            await asyncio.sleep(0.1)
    return 0


async def test_every_socket_of_every_worker_closes_with_1001_on_sigterm(
    realtime_database_url: str, identity: IdentityProvider, tmp_path: Path
) -> None:
    port = free_port()
    env = _server_env(realtime_database_url, identity)
    command = [sys.executable, "-m", "nexus", "serve", "--port", str(port), "--workers", "2"]
    with (tmp_path / "serve.log").open("wb") as log:
        process = await asyncio.to_thread(
            subprocess.Popen, command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        await asyncio.to_thread(wait_for, f"http://127.0.0.1:{port}/health", process)
        assert await _listeners(realtime_database_url) == 2, "one LISTEN connection per worker"
        async with AsyncExitStack() as stack:
            sockets = []
            # The kernel spreads connections over the workers' listeners: 12 reach both.
            for index in range(12):
                socket = await stack.enter_async_context(
                    GraphQLSocket.open(f"ws://127.0.0.1:{port}/graphql")
                )
                await socket.init(identity.token(uuid4()))
                await socket.subscribe(str(index), VIEWER_MEDIA_UPDATES)
                sockets.append(socket)
            await asyncio.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            closes = await asyncio.gather(*(socket.closed() for socket in sockets))
        assert {code for code, _reason in closes} == {1001}
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("ctrl_c", ["the process", "its process group"])
async def test_dev_under_the_reloader_closes_sockets_with_1001_on_ctrl_c(
    ctrl_c: str, realtime_database_url: str, identity: IdentityProvider, tmp_path: Path
) -> None:
    """SIGINT to `nexus dev` alone (the reloader then stops its child with SIGTERM), or to
    its whole process group as a terminal's Ctrl-C (the child gets SIGINT as well)."""
    port = free_port()
    env = _server_env(
        realtime_database_url,
        identity,
        NEXUS_STATE_DIR=str(tmp_path / "state"),
        # GraphiQL's assets would be installed with npm first: not what this is about.
        NEXUS_GRAPHIQL="false",
    )
    command = [sys.executable, "-m", "nexus", "dev", "--port", str(port)]
    with (tmp_path / "dev.log").open("wb") as log:
        process = await asyncio.to_thread(
            subprocess.Popen,
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        await asyncio.to_thread(wait_for, f"http://127.0.0.1:{port}/health", process)
        async with GraphQLSocket.open(f"ws://127.0.0.1:{port}/graphql") as socket:
            await socket.init(identity.token(uuid4()))
            await socket.subscribe("1", VIEWER_MEDIA_UPDATES)
            await asyncio.sleep(0.2)
            if ctrl_c == "the process":
                process.send_signal(signal.SIGINT)
            else:
                os.killpg(process.pid, signal.SIGINT)
            code, _reason = await socket.closed()
        assert code == 1001, (tmp_path / "dev.log").read_text()
        assert await asyncio.to_thread(process.wait, 30) in (0, 130)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
