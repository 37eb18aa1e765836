"""The highlight operations the tests send, and wrappers that speak them as a user."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories import create_media, default_library_id, global_id, put_media
from tests.graphql.operations import media_gid
from tests.helpers import Api

HIGHLIGHT_FIELDS = (
    "id uuid isOwner startOffset endOffset exact prefix suffix color note createdAt "
    "updatedAt author { uuid } fragment { uuid idx } media { uuid }"
)
CREATE = f"""
mutation($input: CreateHighlightInput!) {{
  createHighlight(input: $input) {{ clientMutationId highlight {{ {HIGHLIGHT_FIELDS} }} }}
}}"""
UPDATE = f"""
mutation($input: UpdateHighlightInput!) {{
  updateHighlight(input: $input) {{ clientMutationId highlight {{ {HIGHLIGHT_FIELDS} }} }}
}}"""
DELETE = """
mutation($input: DeleteHighlightInput!) {
  deleteHighlight(input: $input) { clientMutationId deletedHighlightId }
}"""
PAGE = (
    "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    f"edges {{ cursor node {{ {HIGHLIGHT_FIELDS} }} }}"
)
OF_MEDIA = f"""
query($id: ID!, $first: Int, $after: String, $mine: Boolean) {{
  media(id: $id) {{ highlights(first: $first, after: $after, mine: $mine) {{ {PAGE} }} }}
}}"""
OF_FRAGMENT = f"""
query($id: ID!, $first: Int, $after: String, $mine: Boolean) {{
  node(id: $id) {{ ... on Fragment {{
    highlights(first: $first, after: $after, mine: $mine) {{ {PAGE} }}
  }} }}
}}"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Highlight {{ {HIGHLIGHT_FIELDS} }} }} }}"


def fragment_gid(fragment_id: UUID | str) -> str:
    return global_id("Fragment", UUID(str(fragment_id)))


async def readable_text(
    api: Api, connection: AsyncConnection, user: UUID, texts: list[str]
) -> tuple[UUID, list[UUID]]:
    """A READY_FOR_READING web article in the user's default library whose fragments hold
    `texts` (idx 0..n-1): the media id and the fragment ids."""
    media_id = await create_media(connection)
    fragment_ids = []
    for idx, canonical in enumerate(texts):
        fragment_ids.append(
            (
                await connection.execute(
                    text(
                        "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized) "
                        "VALUES (:m, :i, :t, '<p>x</p>') RETURNING id"
                    ),
                    {"m": media_id, "i": idx, "t": canonical},
                )
            ).scalar_one()
        )
    await put_media(connection, await default_library_id(connection, user), media_id)
    return media_id, fragment_ids


async def fragment_ids(connection: AsyncConnection, media_id: UUID) -> list[UUID]:
    """The media's fragment ids by idx."""
    rows = await connection.execute(
        text("SELECT id FROM fragments WHERE media_id = :m ORDER BY idx"), {"m": media_id}
    )
    return list(rows.scalars())


async def create(
    api: Api,
    user: UUID,
    fragment_id: UUID | str,
    start: int,
    end: int,
    **fields: Any,
) -> dict[str, Any]:
    """The response body of createHighlight (errors included)."""
    given = {"fragmentId": fragment_gid(fragment_id), "startOffset": start, "endOffset": end}
    return await api.gql(CREATE, {"input": {**given, **fields}}, user=user)


async def created(
    api: Api, user: UUID, fragment_id: UUID | str, start: int, end: int, **fields: Any
) -> dict[str, Any]:
    """The new highlight (the create must succeed)."""
    body = await create(api, user, fragment_id, start, end, **fields)
    assert "errors" not in body, body
    highlight: dict[str, Any] = body["data"]["createHighlight"]["highlight"]
    return highlight


async def update(api: Api, user: UUID, highlight_id: str, **fields: Any) -> dict[str, Any]:
    return await api.gql(UPDATE, {"input": {"highlightId": highlight_id, **fields}}, user=user)


async def delete(api: Api, user: UUID, highlight_id: str) -> dict[str, Any]:
    return await api.gql(DELETE, {"input": {"highlightId": highlight_id}}, user=user)


async def of_media(api: Api, user: UUID, media_id: UUID | str, **variables: Any) -> dict[str, Any]:
    """Media.highlights as the user sees it (the request must succeed)."""
    data = await api.data(OF_MEDIA, {"id": media_gid(media_id), **variables}, user=user)
    page: dict[str, Any] = data["media"]["highlights"]
    return page


async def of_fragment(
    api: Api, user: UUID, fragment_id: UUID | str, **variables: Any
) -> dict[str, Any]:
    """Fragment.highlights as the user sees it (the request must succeed)."""
    data = await api.data(OF_FRAGMENT, {"id": fragment_gid(fragment_id), **variables}, user=user)
    page: dict[str, Any] = data["node"]["highlights"]
    return page


def uuids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["uuid"] for edge in page["edges"]]
