"""Fragment texts in a compiled answer are the JSON copies `fragment_json` keeps (migration
0003), copied rather than escaped by PostgreSQL; where no copy is kept the text is escaped
on the spot, and either way the answer equals the resolver path's."""

from __future__ import annotations

from sqlalchemy import delete, update

from nexus.db.tables import fragment_json, fragments
from tests.factories import create_media, default_library_id, global_id, put_media

READER = """query ($id: ID!) { media(id: $id) {
  fragments(first: 10) { edges { node { idx htmlSanitized canonicalText } } } } }"""
NODE = """query ($id: ID!) { node(id: $id) { ... on Fragment { htmlSanitized canonicalText } } }"""
# Everything JSON escapes: quotes, backslashes, control characters, non-ASCII, U+2028.
TRICKY = 'a "quoted" \\ back\\slash\n\r\t\x01\x1f caf\u00e9 \u2028 \U0001f600 </script>'


def _texts(data: dict) -> list[tuple[str, str]]:
    edges = data["media"]["fragments"]["edges"]
    return [(edge["node"]["htmlSanitized"], edge["node"]["canonicalText"]) for edge in edges]


async def _unshadowed(paths, query: str, variables: dict, user) -> dict:
    """The compiled answer, sent past `Api.post`: the suite's differential shadow would
    (rightly) flag the answer of a copy made stale on purpose."""
    response = await paths.compiled.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=paths.compiled.headers(user),
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_compiled_reads_copy_the_kept_json_and_escape_where_none_is_kept(
    paths, connection
) -> None:
    user = await paths.compiled.new_user()
    media_id = await create_media(connection, fragment_count=3)
    await connection.execute(
        update(fragments)
        .where(fragments.c.media_id == media_id, fragments.c.idx == 0)
        .values(canonical_text=TRICKY, html_sanitized=f"<p>{TRICKY}</p>")
    )
    await put_media(connection, await default_library_id(connection, user), media_id)
    variables = {"id": global_id("Media", media_id)}
    assert await paths.same(READER, variables, user=user)
    answer = await paths.compiled.data(READER, variables, user=user)
    assert _texts(answer)[0] == (f"<p>{TRICKY}</p>", TRICKY)

    # The compiled path reads the copy: a copy made different shows through.
    first = (
        await connection.execute(
            update(fragment_json)
            .where(fragment_json.c.fragment_id == fragments.c.id)
            .where(fragments.c.media_id == media_id, fragments.c.idx == 1)
            .values(canonical_text="kept copy")  # the JSON type encodes it
            .returning(fragment_json.c.fragment_id)
        )
    ).scalar_one()
    answer = await _unshadowed(paths, READER, variables, user)
    assert _texts(answer)[1][1] == "kept copy"
    node = await _unshadowed(paths, NODE, {"id": global_id("Fragment", first)}, user)
    assert node["node"]["canonicalText"] == "kept copy"

    # With no copies at all, the texts are escaped on the spot: the same answer.
    await connection.execute(delete(fragment_json))
    assert await paths.same(READER, variables, user=user)
    answer = await paths.compiled.data(READER, variables, user=user)
    assert _texts(answer)[0] == (f"<p>{TRICKY}</p>", TRICKY)
