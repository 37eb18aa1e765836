"""Ordering and cursor pagination of every list: full walks with `first: 2`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tests.factories import create_media, default_library_id, put_media
from tests.graphql.operations import add_media, add_member, create_library, library_gid, media_gid

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


def page(node: str) -> str:
    """A connection's arguments and selection, with `node` selected on each edge."""
    edges = f"edges {{ cursor node {{ {node} }} }}"
    return f"(first: $first, after: $after) {{ totalCount {PAGE_INFO} {edges} }}"


VIEWER_LIBRARIES = f"""query($first: Int, $after: String) {{ viewer {{
  libraries{page("uuid")}
}} }}"""
LIBRARY_MEDIA = f"""query($id: ID!, $first: Int, $after: String) {{ library(id: $id) {{
  media{page("uuid")}
}} }}"""
LIBRARY_MEMBERS = f"""query($id: ID!, $first: Int, $after: String) {{ library(id: $id) {{
  members{page("user { uuid }")}
}} }}"""
MEDIA_FRAGMENTS = f"""query($id: ID!, $first: Int, $after: String) {{ media(id: $id) {{
  fragments{page("idx")}
}} }}"""
MEDIA_LIBRARIES = f"""query($id: ID!, $first: Int, $after: String) {{ media(id: $id) {{
  libraries{page("uuid")}
}} }}"""

Connection = Callable[[dict[str, Any]], dict[str, Any]]


def _key(edge: dict[str, Any]) -> str:
    node = edge["node"]
    if "user" in node:
        return node["user"]["uuid"]
    return str(node.get("uuid", node.get("idx")))


async def walk(api, user, query, variables, connection: Connection, *, size: int = 2) -> list[str]:
    """Every item of a list, page by page, checking each page's pageInfo and totalCount."""
    items: list[str] = []
    after = None
    total = None
    while True:
        data = await api.data(query, {**variables, "first": size, "after": after}, user=user)
        page = connection(data)
        edges, info = page["edges"], page["pageInfo"]
        total = page["totalCount"] if total is None else total
        assert page["totalCount"] == total
        assert len(edges) <= size
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
        assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
        items.extend(_key(edge) for edge in edges)
        if not info["hasNextPage"]:
            break
        assert len(edges) == size
        after = info["endCursor"]
    assert len(items) == len(set(items)) == total
    return items


async def _set_created_at(connection, table: str, key: str, value: object, at: datetime) -> None:
    await connection.exec_driver_sql(
        f"UPDATE {table} SET created_at = %s WHERE {key} = %s",  # noqa: S608 (test constants)
        (at, value),
    )


async def test_viewer_libraries_walk_in_created_at_then_id_order(api, connection) -> None:
    user = await api.new_user()
    created = [UUID((await create_library(api, user, f"L{i}"))["uuid"]) for i in range(4)]
    default = await default_library_id(connection, user)
    # Times against the creation order, with a tie broken by id.
    times = {created[0]: T0 + timedelta(days=3), created[1]: T0, created[2]: T0}
    times |= {created[3]: T0 + timedelta(days=1), default: T0 - timedelta(days=1)}
    for library_id, at in times.items():
        await _set_created_at(connection, "libraries", "id", library_id, at)
    expected = [str(i) for i in sorted(times, key=lambda i: (times[i], i))]
    for size in (1, 2, 3, 5, 6):
        libraries = await walk(
            api, user, VIEWER_LIBRARIES, {}, lambda d: d["viewer"]["libraries"], size=size
        )
        assert libraries == expected


async def test_library_media_walk_newest_addition_first_then_media_id_desc(api, connection) -> None:
    user = await api.new_user()
    library = await create_library(api, user)
    added = {}
    for i, offset in enumerate([5, 1, 3, 3, 0, 3, 2]):
        media_id = await create_media(connection, title=f"M{i}")
        added[media_id] = T0 + timedelta(hours=offset)
        await put_media(connection, UUID(library["uuid"]), media_id, added_at=added[media_id])
    expected = [str(m) for m in sorted(added, key=lambda m: (added[m], m), reverse=True)]
    variables = {"id": library["id"]}
    assert (
        await walk(api, user, LIBRARY_MEDIA, variables, lambda d: d["library"]["media"]) == expected
    )


async def test_library_members_walk_in_joining_order_then_user_id(api, connection) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    members = [await api.new_user() for _ in range(4)]
    for member in members:
        await add_member(api, owner, library["uuid"], member)
    times = {owner: T0, members[0]: T0 + timedelta(days=2), members[1]: T0 + timedelta(days=1)}
    times |= {members[2]: T0 + timedelta(days=1), members[3]: T0}
    for user_id, at in times.items():
        await connection.exec_driver_sql(
            "UPDATE memberships SET created_at = %s WHERE library_id = %s AND user_id = %s",
            (at, library["uuid"], user_id),
        )
    expected = [str(u) for u in sorted(times, key=lambda u: (times[u], u))]
    variables = {"id": library["id"]}
    assert (
        await walk(api, members[0], LIBRARY_MEMBERS, variables, lambda d: d["library"]["members"])
        == expected
    )


async def test_media_fragments_walk_in_reading_order(api, connection) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=7)
    await put_media(connection, await default_library_id(connection, user), media_id)
    variables = {"id": media_gid(media_id)}
    items = await walk(api, user, MEDIA_FRAGMENTS, variables, lambda d: d["media"]["fragments"])
    assert items == [str(i) for i in range(7)]


async def test_media_libraries_walk_like_the_viewer_libraries(api, connection) -> None:
    user = await api.new_user()
    media_id = await create_media(connection)
    holding = [await create_library(api, user, f"H{i}") for i in range(4)]
    await create_library(api, user, "without it")
    for library in holding:
        await add_media(api, user, library["uuid"], media_id)
    all_libraries = await walk(api, user, VIEWER_LIBRARIES, {}, lambda d: d["viewer"]["libraries"])
    expected_ids = {library["uuid"] for library in holding} | {
        str(await default_library_id(connection, user))
    }
    expected = [uuid for uuid in all_libraries if uuid in expected_ids]
    variables = {"id": media_gid(media_id)}
    assert await walk(api, user, MEDIA_LIBRARIES, variables, lambda d: d["media"]["libraries"]) == (
        expected
    )


async def test_first_zero_answers_counts_and_whether_items_exist(api, connection) -> None:
    user = await api.new_user()
    data = await api.data(VIEWER_LIBRARIES, {"first": 0}, user=user)
    assert data["viewer"]["libraries"] == {
        "totalCount": 1,
        "pageInfo": {
            "hasNextPage": True,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "edges": [],
    }


async def test_pages_stay_correct_while_items_are_added(api, connection) -> None:
    user = await api.new_user()
    library_id = UUID((await create_library(api, user))["uuid"])
    originals = []
    for hour in range(6, 0, -1):
        media_id = await create_media(connection)
        originals.append(media_id)
        await put_media(connection, library_id, media_id, added_at=T0 + timedelta(hours=hour))
    first = await api.data(LIBRARY_MEDIA, {"id": library_gid(library_id), "first": 2}, user=user)
    page = first["library"]["media"]
    seen = [edge["node"]["uuid"] for edge in page["edges"]]
    # A newer item lands before the cursor (never shown by later pages); an older one after.
    newest, middle = await create_media(connection), await create_media(connection)
    await put_media(connection, library_id, newest, added_at=T0 + timedelta(hours=9))
    await put_media(connection, library_id, middle, added_at=T0 + timedelta(minutes=90))
    after = page["pageInfo"]["endCursor"]
    while True:
        data = await api.data(
            LIBRARY_MEDIA, {"id": library_gid(library_id), "first": 2, "after": after}, user=user
        )
        page = data["library"]["media"]
        seen += [edge["node"]["uuid"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [str(m) for m in originals[:5]] + [str(middle), str(originals[5])]


async def test_has_previous_page_holds_while_a_row_precedes_the_cursor(api, connection) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=4)
    await put_media(connection, await default_library_id(connection, user), media_id)
    first = await api.data(MEDIA_FRAGMENTS, {"id": media_gid(media_id), "first": 1}, user=user)
    cursor = first["media"]["fragments"]["pageInfo"]["endCursor"]  # idx 0
    await connection.exec_driver_sql(
        "DELETE FROM fragments WHERE media_id = %s AND idx = 0", (media_id,)
    )
    after_deleted = await api.data(
        MEDIA_FRAGMENTS, {"id": media_gid(media_id), "first": 1, "after": cursor}, user=user
    )
    page = after_deleted["media"]["fragments"]
    assert [edge["node"]["idx"] for edge in page["edges"]] == [1]
    # Nothing is left at or before idx 0: there is no previous page any more.
    assert page["pageInfo"]["hasPreviousPage"] is False
    assert page["totalCount"] == 3


async def test_has_previous_page_without_total_count(api, connection) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=3)
    await put_media(connection, await default_library_id(connection, user), media_id)
    query = (
        "query($id: ID!, $after: String) { media(id: $id) { fragments(first: 1, after: $after) "
        "{ pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { idx } } } } }"
    )
    variables = {"id": media_gid(media_id), "after": None}
    seen, flags = [], []
    while True:
        page = (await api.data(query, variables, user=user))["media"]["fragments"]
        seen += [edge["node"]["idx"] for edge in page["edges"]]
        flags.append(page["pageInfo"]["hasPreviousPage"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        variables["after"] = page["pageInfo"]["endCursor"]
    assert seen == [0, 1, 2]
    assert flags == [False, True, True]
