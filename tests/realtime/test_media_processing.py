"""mediaProcessing over WebSocket: the current state first, then each change in order,
completion after a final state, a merge's survivor last, E_MEDIA_NOT_FOUND."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.db.engine import Database
from tests.factories import global_id
from tests.realtime.client import MEDIA_PROCESSING
from tests.realtime.data import complete, fail, remove_from_libraries, saved_media, start


def _statuses(payloads: list[dict]) -> list[str]:
    return [p["data"]["mediaProcessing"]["processingStatus"] for p in payloads]


async def test_first_event_is_the_current_state_then_each_change_until_ready(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    user = uuid4()
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
        first = await socket.receive()
        assert first["type"] == "next"
        media = first["payload"]["data"]["mediaProcessing"]
        assert media["processingStatus"] == "PENDING"
        assert media["uuid"] == str(media_id)
        assert media["capabilities"] == {"canRead": False}
        await start(worker_database, media_id)
        url = f"https://example.org/{uuid4().hex}"
        await complete(worker_database, media_id, url)
        rest = await socket.until_complete("1")
    assert _statuses(rest) == ["EXTRACTING", "READY_FOR_READING"]
    assert rest[-1]["data"]["mediaProcessing"]["capabilities"] == {"canRead": True}


async def test_a_finished_media_is_answered_and_completed_at_once(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    user = uuid4()
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        await fail(worker_database, media_id)
        await socket.subscribe("a", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
        assert _statuses(await socket.until_complete("a")) == ["FAILED"]


async def test_media_the_viewer_cannot_read_is_not_found_at_once(
    connect, realtime_engine: AsyncEngine
) -> None:
    owner, stranger = uuid4(), uuid4()
    async with connect(owner):
        media_id = await saved_media(realtime_engine, owner)
    async with connect(stranger) as socket:
        await socket.subscribe("x", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
        (payload,) = await socket.until_complete("x")
    assert payload["data"] is None
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "E_MEDIA_NOT_FOUND"
    assert error["path"] == ["mediaProcessing"]


async def test_a_viewer_who_loses_access_gets_not_found_and_the_operation_completes(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    user = uuid4()
    async with connect(user) as socket:
        media_id = await saved_media(realtime_engine, user)
        await socket.subscribe("1", MEDIA_PROCESSING, {"id": global_id("Media", media_id)})
        assert (await socket.receive())["type"] == "next"
        await remove_from_libraries(realtime_engine, media_id)
        await start(worker_database, media_id)
        (payload,) = await socket.until_complete("1")
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["code"] == "E_MEDIA_NOT_FOUND"


async def test_after_a_merge_the_survivor_is_the_last_event(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    """The merge races the delivery of the merged media's EXTRACTING event: whenever it
    commits, the subscriber hears no error, only states of the merged media, then the
    survivor."""
    user = uuid4()
    async with connect(user) as socket:
        for attempt in range(25):
            survivor_url = f"https://example.org/{uuid4().hex}"
            survivor = await saved_media(realtime_engine, user, url=survivor_url)
            merged = await saved_media(realtime_engine, user)
            operation = f"m{attempt}"
            await socket.subscribe(operation, MEDIA_PROCESSING, {"id": global_id("Media", merged)})
            assert _statuses([(await socket.receive())["payload"]]) == ["PENDING"]
            await start(worker_database, merged)
            assert await complete(worker_database, merged, survivor_url) == survivor
            payloads = await socket.until_complete(operation)
            assert all("errors" not in payload for payload in payloads), payloads
            media = [payload["data"]["mediaProcessing"] for payload in payloads]
            assert media[-1]["uuid"] == str(survivor)
            assert [m["processingStatus"] for m in media[:-1]] in ([], ["EXTRACTING"])
            assert {m["uuid"] for m in media[:-1]} <= {str(merged)}


async def test_no_change_is_lost_between_the_first_answer_and_the_next(
    connect, realtime_engine: AsyncEngine, worker_database: Database
) -> None:
    """The subscription and the worker's transitions race: whichever wins, the states
    arrive in lifecycle order and the last one is READY_FOR_READING."""
    lifecycle = ["PENDING", "EXTRACTING", "READY_FOR_READING"]
    user = uuid4()
    async with connect(user) as socket:
        for attempt in range(10):
            media_id = await saved_media(realtime_engine, user)

            async def transitions(media_id=media_id) -> None:
                await start(worker_database, media_id)
                await complete(worker_database, media_id, f"https://example.org/{uuid4().hex}")

            variables = {"id": global_id("Media", media_id)}
            await asyncio.gather(
                socket.subscribe(str(attempt), MEDIA_PROCESSING, variables), transitions()
            )
            payloads = await socket.until_complete(str(attempt))
            # In lifecycle order, each once; a state overtaken before it was read is sent
            # as the newer one.
            statuses = _statuses(payloads)
            order = [lifecycle.index(status) for status in statuses]
            assert order == sorted(set(order)), statuses
            assert statuses[-1] == "READY_FOR_READING"
            # Each payload is one state: its capabilities agree with its status.
            for payload in payloads:
                media = payload["data"]["mediaProcessing"]
                can_read = media["processingStatus"] == "READY_FOR_READING"
                assert media["capabilities"] == {"canRead": can_read}, payloads
