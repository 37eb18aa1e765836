"""SQL statements per operation (Saleor-style): one per object or connection level, the
same for any page size and any number of parents. Identity is cached: each user's first
request (in `api.new_user()`) ensures them, and counting starts after it."""

from __future__ import annotations

from uuid import UUID

import pytest

from nexus.app import create_app
from nexus.db.engine import Database
from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import (
    add_media,
    add_member,
    create_library,
    library_gid,
    media_gid,
    user_gid,
)
from tests.helpers import Api, lifespan

NESTED = """{ viewer { libraries(first: 20) { edges { node { name media(first: 20) { totalCount
  edges { node { title fragments(first: 3) { edges { node { htmlSanitized } } } } } } } } } } }"""


async def _count(api, statements, user, query, variables=None) -> int:
    statements.reset()
    body = await api.gql(query, variables, user=user)
    assert "errors" not in body, body
    return statements.count


async def _libraries_with_media(api, connection, libraries: int, media: int) -> UUID:
    """A user with `libraries` libraries (their default one included) of `media` media
    each, every media with 4 fragments."""
    user = await api.new_user()
    library_ids = [await default_library_id(connection, user)]
    for i in range(libraries - 1):
        library_ids.append(UUID((await create_library(api, user, f"L{i}"))["uuid"]))
    for library_id in library_ids:
        for i in range(media):
            media_id = await create_media(connection, title=f"M{i}", fragment_count=4)
            await put_media(connection, library_id, media_id)
    return user


async def test_the_nested_query_costs_the_same_at_1x1_and_20x20(
    api, connection, statements
) -> None:
    small = await _libraries_with_media(api, connection, 1, 1)
    large = await _libraries_with_media(api, connection, 20, 20)
    small_count = await _count(api, statements, small, NESTED)
    large_count = await _count(api, statements, large, NESTED)
    data = await api.data(NESTED, user=large)
    libraries = data["viewer"]["libraries"]["edges"]
    assert len(libraries) == 20
    assert all(len(e["node"]["media"]["edges"]) == 20 for e in libraries)
    first_media = libraries[0]["node"]["media"]["edges"][0]["node"]
    assert len(first_media["fragments"]["edges"]) == 3
    # libraries page; media pages with their totalCounts; fragment pages.
    assert small_count == large_count == 3


@pytest.mark.parametrize("first", [1, 50])
async def test_read_operations_cost_one_statement_per_level(
    api, connection, statements, first
) -> None:
    owner, member = await api.new_user(), await api.new_user()
    library = await create_library(api, owner)
    await add_member(api, owner, library["uuid"], member)
    media_ids = [await create_media(connection, fragment_count=3) for _ in range(3)]
    for media_id in media_ids:
        await add_media(api, owner, library["uuid"], media_id)
    fragment_id = (
        await connection.exec_driver_sql(
            "SELECT id FROM fragments WHERE media_id = %s AND idx = 0", (media_ids[0],)
        )
    ).scalar_one()
    page = f"(first: {first})"
    lib, med = {"id": library["id"]}, {"id": media_gid(media_ids[0])}
    budgets = [
        ("{ viewer { user { id uuid createdAt } } }", None, 1),
        ("{ viewer { defaultLibrary { id name viewerRole } } }", None, 1),
        (
            f"{{ viewer {{ libraries{page} {{ totalCount edges {{ node {{ id name }} }} }} }} }}",
            None,
            1,
        ),
        ("query($id: ID!) { library(id: $id) { id name isDefault viewerRole } }", lib, 1),
        (
            f"query($id: ID!) {{ library(id: $id) {{ name media{page} {{ totalCount "
            "pageInfo { hasNextPage endCursor } edges { cursor addedAt node { id title kind "
            "processingStatus } } } } }",
            lib,
            2,
        ),
        (
            f"query($id: ID!) {{ library(id: $id) {{ members{page} {{ totalCount edges {{ node "
            "{ id role user { uuid } library { name } } } } } }",
            lib,
            3,  # library, members page, users (Membership.library is its parent: free)
        ),
        ("query($id: ID!) { library(id: $id) { owner { uuid createdAt } } }", lib, 2),
        (
            f"query($id: ID!) {{ media(id: $id) {{ title fragments{page} {{ totalCount "
            "edges { node { idx htmlSanitized canonicalText } } } } }",
            med,
            2,
        ),
        (
            f"query($id: ID!) {{ media(id: $id) {{ libraries{page} {{ totalCount edges {{ node "
            "{ name owner { uuid } } } } } }",
            med,
            3,
        ),
        (
            "query($id: ID!) { node(id: $id) { id ... on Fragment { idx media { title } } } }",
            {"id": global_id("Fragment", fragment_id)},
            2,
        ),
        (
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            {
                "ids": [
                    library["id"],
                    media_gid(media_ids[0]),
                    media_gid(media_ids[1]),
                    user_gid(member),
                    global_id("Membership", UUID(library["uuid"]), member),
                    global_id("Fragment", fragment_id),
                ]
            },
            5,  # one per type: two media load in one statement
        ),
    ]
    for query, variables, budget in budgets:
        assert await _count(api, statements, owner, query, variables) == budget, query


MUTATIONS = {
    "create": "mutation($i: CreateLibraryInput!) { createLibrary(input: $i) { library { id } } }",
    "rename": "mutation($i: RenameLibraryInput!) { renameLibrary(input: $i) { library { name } } }",
    "delete": "mutation($i: DeleteLibraryInput!) { deleteLibrary(input: $i) { deletedLibraryId } }",
    "add_media": (
        "mutation($i: AddMediaToLibraryInput!) { addMediaToLibrary(input: $i) { addedAt "
        "library { id } media { id } } }"
    ),
    "remove_media": (
        "mutation($i: RemoveMediaFromLibraryInput!) { removeMediaFromLibrary(input: $i) "
        "{ removedMediaId library { id } } }"
    ),
    "add_member": (
        "mutation($i: AddLibraryMemberInput!) { addLibraryMember(input: $i) "
        "{ membership { id role } } }"
    ),
    "update_role": (
        "mutation($i: UpdateLibraryMemberRoleInput!) { updateLibraryMemberRole(input: $i) "
        "{ membership { id role } } }"
    ),
    "remove_member": (
        "mutation($i: RemoveLibraryMemberInput!) { removeLibraryMember(input: $i) "
        "{ removedUserId library { id } } }"
    ),
}


async def test_mutations_cost_a_fixed_number_of_statements(api, connection, statements) -> None:
    owner, member = await api.new_user(), await api.new_user()
    default = await default_library_id(connection, owner)
    media_id = await create_media(connection)

    async def count(name: str, fields: dict[str, object]) -> int:
        return await _count(api, statements, owner, MUTATIONS[name], {"i": fields})

    # One statement: the library and its admin membership together.
    assert await count("create", {"name": "Counted"}) == 1
    library = await create_library(api, owner)
    ids = {"libraryId": library["id"]}
    # Lock the library row, read the facts after the lock, then write.
    assert await count("rename", {**ids, "name": "Renamed"}) == 3
    # ... plus the media row, then one insert for the library and members' defaults.
    assert await count("add_media", {**ids, "mediaId": media_gid(media_id)}) == 4
    # ... again: the first addedAt is read back.
    assert await count("add_media", {**ids, "mediaId": media_gid(media_id)}) == 5
    # ... plus whether the user exists, the membership, and the closure insert.
    assert await count("add_member", {**ids, "userId": user_gid(member)}) == 5
    # An existing member: lock, facts, and the membership read back.
    assert await count("add_member", {**ids, "userId": user_gid(member)}) == 3
    assert await count("update_role", {**ids, "userId": user_gid(member), "role": "ADMIN"}) == 3
    assert await count("remove_member", {**ids, "userId": user_gid(member)}) == 3
    assert await count("remove_media", {**ids, "mediaId": media_gid(media_id)}) == 3
    # From the default library: one more delete for the viewer's sole-member libraries.
    await add_media(api, owner, library["uuid"], media_id)
    from_default = {"libraryId": library_gid(default), "mediaId": media_gid(media_id)}
    assert await count("remove_media", from_default) == 4
    assert await count("delete", ids) == 3


async def test_a_mutation_payload_reads_fresh_state_through_loaders(
    api, connection, statements
) -> None:
    owner = await api.new_user()
    library = await create_library(api, owner)
    statements.reset()
    body = await api.gql(
        "mutation($i: RenameLibraryInput!) { renameLibrary(input: $i) { library { name "
        "owner { uuid } members { totalCount } } } }",
        {"i": {"libraryId": library["id"], "name": "Fresh"}},
        user=owner,
    )
    assert body["data"]["renameLibrary"]["library"] == {
        "name": "Fresh",
        "owner": {"uuid": str(owner)},
        "members": {"totalCount": 1},
    }
    assert statements.count == 3 + 2  # the mutation, then owner and members levels


async def test_a_page_of_fragments_loads_only_the_long_texts_its_selection_reads(
    api, connection, statements
) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=2)
    await put_media(connection, await default_library_id(connection, user), media_id)
    variables = {"id": global_id("Media", media_id)}
    page = "query ($id: ID!) { media(id: $id) { fragments(first: 5) { edges { node { %s } } } } }"
    cases = [
        (page % "htmlSanitized", {"html_sanitized"}),
        (page % "canonicalText", {"canonical_text"}),
        (page % "idx", set()),
        # Through named and inline fragments, under an alias.
        (page % "...F" + " fragment F on Fragment { text: canonicalText }", {"canonical_text"}),
        (
            page % "... on Node { ... on Fragment { htmlSanitized canonicalText } }",
            {"html_sanitized", "canonical_text"},
        ),
    ]
    for query, columns in cases:
        statements.reset()
        data = await api.data(query, variables, user=user)
        assert len(data["media"]["fragments"]["edges"]) == 2
        [statement] = [s for s in statements.statements if "page_parents" in s]
        loaded = {c for c in ("html_sanitized", "canonical_text") if f"fragments.{c}" in statement}
        assert loaded == columns, query


READER_WITH_HIGHLIGHTS = """query($id: ID!) { media(id: $id) { title
  fragments(first: 100) { edges { node { idx htmlSanitized
    highlights(first: 20) { edges { cursor node { id startOffset endOffset color note exact } } }
  } } } } }"""
MEDIA_HIGHLIGHTS = """query($id: ID!) { media(id: $id) { highlights(mine: false) { totalCount
  edges { node { id exact isOwner author { uuid } fragment { idx } } } } } }"""


async def _reader_with_highlights(api, connection, fragments: int, per_fragment: int):
    """A reader of a media item of `fragments` fragments with `per_fragment` highlights
    on each: the reader and the media id."""
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=fragments)
    await put_media(connection, await default_library_id(connection, user), media_id)
    await connection.exec_driver_sql(
        "INSERT INTO highlights (fragment_id, author_user_id, start_offset, end_offset, note) "
        "SELECT f.id, %s, i, i + 3, 'n' FROM fragments f, generate_series(0, %s - 1) AS i "
        "WHERE f.media_id = %s",
        (user, per_fragment, media_id),
    )
    return user, {"id": media_gid(media_id)}


async def test_highlight_reads_cost_one_statement_per_level(api, connection, statements) -> None:
    small = await _reader_with_highlights(api, connection, 1, 1)
    large = await _reader_with_highlights(api, connection, 12, 8)
    for user, variables in (small, large):
        # media, fragment pages, highlight pages
        assert await _count(api, statements, user, READER_WITH_HIGHLIGHTS, variables) == 3
        # media, highlight page, authors, fragments
        assert await _count(api, statements, user, MEDIA_HIGHLIGHTS, variables) == 4
    user, variables = large
    highlights = (await api.data(MEDIA_HIGHLIGHTS, variables, user=user))["media"]["highlights"]
    assert highlights["totalCount"] == 96
    ids = [edge["node"]["id"] for edge in highlights["edges"][:3]]
    nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Highlight { exact } } }"
    assert await _count(api, statements, user, nodes, {"ids": ids}) == 1


async def test_the_compiled_reader_with_highlights_is_one_statement(
    settings, connection, identity, statements
) -> None:
    compiled = settings.model_copy(update={"nexus_compiled_reads": True})
    app = create_app(compiled, database=Database.pinned_to(connection))
    async with lifespan(app), Api.over(app, identity) as api:
        user, variables = await _reader_with_highlights(api, connection, 12, 8)
        data = await api.data(READER_WITH_HIGHLIGHTS, variables, user=user)
        fragments = data["media"]["fragments"]["edges"]
        assert [len(f["node"]["highlights"]["edges"]) for f in fragments] == [8] * 12
        reads = app.app.state.compiled_reads
        answered = reads.answered
        assert await _count(api, statements, user, READER_WITH_HIGHLIGHTS, variables) == 1
        assert await _count(api, statements, user, MEDIA_HIGHLIGHTS, variables) == 1
        assert reads.answered == answered + 2


HIGHLIGHT_MUTATIONS = {
    "create": (
        "mutation($i: CreateHighlightInput!) { createHighlight(input: $i) { highlight { id "
        "exact } } }"
    ),
    "update": (
        "mutation($i: UpdateHighlightInput!) { updateHighlight(input: $i) { highlight { id "
        "exact } } }"
    ),
    "delete": (
        "mutation($i: DeleteHighlightInput!) { deleteHighlight(input: $i) { deletedHighlightId } }"
    ),
}


async def test_highlight_mutations_cost_a_fixed_number_of_statements(
    api, connection, statements
) -> None:
    user = await api.new_user()
    media_id = await create_media(connection, fragment_count=1)
    await put_media(connection, await default_library_id(connection, user), media_id)
    fragment_id = (
        await connection.exec_driver_sql(
            "SELECT id FROM fragments WHERE media_id = %s", (media_id,)
        )
    ).scalar_one()

    async def count(name: str, fields: dict[str, object]) -> int:
        return await _count(api, statements, user, HIGHLIGHT_MUTATIONS[name], {"i": fields})

    created = {"fragmentId": global_id("Fragment", fragment_id), "startOffset": 0, "endOffset": 4}
    # The fragment with what the media allows, the insert, the new row with its quote.
    assert await count("create", created) == 3
    body = await api.data(
        HIGHLIGHT_MUTATIONS["create"], {"i": {**created, "endOffset": 5}}, user=user
    )
    highlight_id = body["createHighlight"]["highlight"]["id"]
    # The highlight locked with its text, the update, the row read back.
    assert await count("update", {"highlightId": highlight_id, "color": "BLUE"}) == 3
    assert await count("delete", {"highlightId": highlight_id}) == 1
