"""Every read field of the contract, compiled, answers what the resolver path answers:
aliases, named and inline fragments (on the Node interface too), __typename, variables,
@include/@skip, full pagination walks with `after`, node/nodes of every type, and the
errors of bad and invisible ids. Each of these must be answered by the compiled path."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.compiled.world import seed

LIBRARY = """fragment LibraryFields on Library {
  __typename id uuid name isDefault viewerRole createdAt updatedAt owner { id uuid createdAt }
}"""
EVERYTHING = (
    LIBRARY
    + """
query Everything($first: Int, $withMembers: Boolean!, $mine: Boolean) {
  __typename
  viewer {
    __typename
    user { __typename id uuid createdAt }
    defaultLibrary { ...LibraryFields }
    mine: libraries(first: $first) {
      __typename totalCount
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        __typename cursor
        node {
          ...LibraryFields
          members(first: 10) @include(if: $withMembers) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor node { __typename id role createdAt user { uuid } library { name } } }
          }
          media(first: 10) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges {
              __typename cursor addedAt
              node {
                __typename id uuid kind title canonicalSourceUrl processingStatus
                createdAt updatedAt requestedUrl author siteName publishedAt language
                excerpt wordCount processingAttempts
                processingError { __typename code message }
                createdBy { __typename id uuid }
                capabilities {
                  __typename canRead canHighlight canQuote canSearch canPlay canDownloadFile
                  canRetry
                }
                fragments(first: 2) {
                  totalCount pageInfo { hasNextPage endCursor }
                  edges { cursor node { __typename id uuid idx htmlSanitized canonicalText
                    createdAt } }
                }
                libraries(first: 5) @skip(if: false) { totalCount edges { node { name } } }
                highlights(first: 3, mine: $mine) {
                  __typename totalCount
                  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                  edges { __typename cursor node { __typename id uuid isOwner startOffset
                    endOffset exact prefix suffix color note createdAt updatedAt } }
                }
                mineByDefault: highlights(first: 2) { totalCount edges { node { uuid } } }
              }
            }
          }
        }
      }
    }
  }
}"""
)
HIGHLIGHTS = """fragment HighlightFields on Highlight {
  __typename id uuid isOwner startOffset endOffset exact prefix suffix color note createdAt
  updatedAt author { id uuid } media { uuid title }
}
query Highlights($media: ID!, $mine: Boolean, $first: Int) {
  media(id: $media) {
    highlights(first: $first, mine: $mine) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node {
        ...HighlightFields
        fragment { idx highlights(first: 2, mine: false) { totalCount edges { cursor node {
          ...HighlightFields } } } }
      } }
    }
    mineByDefault: highlights(first: 2) { totalCount edges { node { uuid } } }
    fragments(first: 3) { edges { node { idx
      highlights(first: $first, mine: $mine) { totalCount edges { cursor node { uuid } } }
    } } }
  }
}"""
NODES = """query Nodes($ids: [ID!]!, $one: ID!) {
  nodes(ids: $ids) {
    __typename id
    ... on Node { id }
    ... on User { uuid createdAt }
    ... on Library { name viewerRole members(first: 1) { totalCount } }
    ... on Membership { role user { uuid } library { uuid } }
    ... on Media { title libraries(first: 3) { edges { node { uuid } } } }
    ... on Fragment { idx media { title } }
    ... on Highlight { exact isOwner author { uuid } fragment { idx } }
  }
  node(id: $one) { id ...on Media { kind } }
  first: node(id: $one) { __typename }
}"""
ROOTS = """query Roots($library: ID!, $media: ID!) {
  library(id: $library) { name media(first: 3) { edges { node { title } } } }
  media(id: $media) { title fragments(first: 3) { totalCount edges { node { idx } } } }
  again: library(id: $library) { uuid }
}"""
WALKS = {
    "libraries": "query($after: String) { viewer { libraries(first: 2, after: $after) { %s } } }",
    "media": "query($id: ID!, $after: String) { library(id: $id) { "
    "media(first: 2, after: $after) { %s } } }",
    "members": "query($id: ID!, $after: String) { library(id: $id) { "
    "members(first: 1, after: $after) { %s } } }",
    "fragments": "query($m: ID!, $after: String) { media(id: $m) { "
    "fragments(first: 2, after: $after) { %s } } }",
    "media highlights": "query($m: ID!, $after: String) { media(id: $m) { "
    "highlights(first: 2, after: $after, mine: false) { %s } } }",
    "fragment highlights": "query($f: ID!, $after: String) { node(id: $f) { "
    "... on Fragment { highlights(first: 1, after: $after) { %s } } } }",
}
PAGE = (
    "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    "edges { cursor node { id } }"
)


@pytest.fixture
async def world(paths, connection):
    return await seed(paths.compiled, connection)


async def test_every_read_field(paths, world) -> None:
    for user in world.users:
        for variables in (
            {"withMembers": True, "first": 10, "mine": False},
            {"withMembers": False, "first": 2, "mine": True},
            {"withMembers": False, "first": 3},
        ):
            assert await paths.same(EVERYTHING, variables, user=user), paths.reads.fallbacks


async def test_highlights_of_every_media_for_every_viewer(paths, world) -> None:
    media = [i for i in world.ids if i.startswith(base64.b64encode(b"Media:")[:8].decode())]
    assert len(media) == 10
    for user in world.users:
        for media_id in media:
            for mine in (True, False, None):
                variables = {"media": media_id, "mine": mine, "first": 3}
                assert await paths.same(HIGHLIGHTS, variables, user=user), paths.reads.fallbacks


async def test_node_and_nodes_of_every_type_and_every_error(paths, world) -> None:
    for user in world.users:
        for one in world.ids:
            assert await paths.same(NODES, {"ids": world.ids, "one": one}, user=user)


async def test_library_and_media_found_missing_and_malformed(paths, world) -> None:
    libraries = list(world.ids)
    for user in world.users[:2]:
        for library, media in zip(libraries, reversed(libraries), strict=True):
            assert await paths.same(ROOTS, {"library": library, "media": media}, user=user)


def _page(body: dict[str, Any]) -> dict[str, Any]:
    value: Any = body
    while "pageInfo" not in value:
        value = next(iter(value.values()))
    return value


async def test_pagination_walks_every_list(paths, world) -> None:
    user = world.users[0]
    body = await paths.compiled.data(
        "{ viewer { libraries(first: 50) { edges { node { id isDefault "
        "media(first: 1) { edges { node { id } } } } } } } }",
        user=user,
    )
    libraries = [e["node"] for e in body["viewer"]["libraries"]["edges"]]
    default = next(lib for lib in libraries if lib["isDefault"])
    media_id = default["media"]["edges"][0]["node"]["id"]
    shared = next(lib for lib in libraries if not lib["isDefault"])
    variables = {"libraries": {}, "media": {"id": default["id"]}, "members": {"id": shared["id"]}}
    variables["fragments"] = {"m": media_id}
    highlighted = await paths.compiled.data(
        "query($id: ID!) { library(id: $id) { media(first: 20) { edges { node { id "
        "fragments(first: 1) { edges { node { id } } } } } } } }",
        {"id": default["id"]},
        user=user,
    )
    with_text = next(
        e["node"]
        for e in highlighted["library"]["media"]["edges"]
        if e["node"]["fragments"]["edges"]
    )
    variables["media highlights"] = {"m": with_text["id"]}
    variables["fragment highlights"] = {"f": with_text["fragments"]["edges"][0]["node"]["id"]}
    for name, template in WALKS.items():
        query, after, pages = template % PAGE, None, 0
        while True:
            given = {**variables[name], "after": after}
            assert await paths.same(query, given, user=user)
            page = _page(await paths.compiled.data(query, given, user=user))
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert pages >= 2 or name not in ("media", "media highlights", "fragment highlights")


async def test_one_statement_per_compiled_request(paths, world, statements) -> None:
    user = world.users[0]
    await paths.compiled.data("{ viewer { user { id } } }", user=user)
    statements.reset()
    answered = paths.reads.answered
    await paths.compiled.data(
        EVERYTHING, {"withMembers": True, "first": 10, "mine": False}, user=user
    )
    await paths.compiled.gql(NODES, {"ids": world.ids, "one": world.ids[0]}, user=user)
    assert paths.reads.answered == answered + 2
    assert statements.count == 2, statements.statements
