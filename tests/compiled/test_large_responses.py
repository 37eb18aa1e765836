"""A large compiled answer (PostgreSQL's JSON bytes, passed through unparsed): the body on
the wire is whole, its Content-Length exact, non-ASCII HTML escaped and encoded as the
resolver path does, and the answer equals the resolver path's."""

from __future__ import annotations

from sqlalchemy import update

from nexus.db.tables import fragments
from tests.factories import create_media, default_library_id, global_id, put_media

READER = """query ($id: ID!) { media(id: $id) { title
  fragments(first: 200) { edges { node { idx htmlSanitized } } } } }"""


async def test_a_large_response_arrives_whole_and_equal(paths, connection) -> None:
    user = await paths.compiled.new_user()
    media_id = await create_media(connection, fragment_count=200)
    await connection.execute(
        update(fragments)
        .where(fragments.c.media_id == media_id)
        .values(html_sanitized="<p>" + "é" * 600 + "</p>")  # escaping and UTF-8 on the way
    )
    await put_media(connection, await default_library_id(connection, user), media_id)
    variables = {"id": global_id("Media", media_id)}
    answered = paths.reads.answered
    response = await paths.compiled.post(READER, variables, user=user)
    assert paths.reads.answered == answered + 1  # the compiled path answered
    assert int(response.headers["content-length"]) == len(response.content)
    assert len(response.content) > 200_000
    edges = response.json()["data"]["media"]["fragments"]["edges"]
    assert [edge["node"]["idx"] for edge in edges] == list(range(200))
    assert await paths.same(READER, variables, user=user)
