"""The saving operations the tests send, and wrappers that speak them as a user."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.graphql.operations import media_gid
from tests.helpers import Api

MEDIA_FIELDS = (
    "id uuid kind title canonicalSourceUrl processingStatus requestedUrl author siteName "
    "publishedAt language excerpt wordCount processingAttempts "
    "processingError { code message } createdBy { uuid } "
    "capabilities { canRead canHighlight canQuote canSearch canPlay canDownloadFile canRetry }"
)
ADD_FROM_URL = f"""
mutation($input: AddMediaFromUrlInput!) {{
  addMediaFromUrl(input: $input) {{ clientMutationId created media {{ {MEDIA_FIELDS} }} }}
}}"""
RETRY = f"""
mutation($input: RetryMediaProcessingInput!) {{
  retryMediaProcessing(input: $input) {{ clientMutationId media {{ {MEDIA_FIELDS} }} }}
}}"""
MEDIA_QUERY = f"query($id: ID!) {{ media(id: $id) {{ {MEDIA_FIELDS} }} }}"


async def save(api: Api, user: UUID, url: str, library_id: str | None = None) -> dict[str, Any]:
    """The response body of addMediaFromUrl (errors included)."""
    fields: dict[str, Any] = {"url": url}
    if library_id is not None:
        fields["libraryId"] = library_id
    return await api.gql(ADD_FROM_URL, {"input": fields}, user=user)


async def retry(api: Api, user: UUID, media_id: UUID | str) -> dict[str, Any]:
    return await api.gql(RETRY, {"input": {"mediaId": media_gid(media_id)}}, user=user)


async def read_media(api: Api, user: UUID, media_id: UUID | str) -> dict[str, Any]:
    return await api.gql(MEDIA_QUERY, {"id": media_gid(media_id)}, user=user)


async def queued_jobs(connection: AsyncConnection, media_id: UUID | str) -> int:
    """Processing jobs waiting for the media item."""
    count = await connection.scalar(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
            "AND args->>'media_id' = :media_id"
        ),
        {"media_id": str(media_id)},
    )
    return int(count or 0)


async def fail(
    connection: AsyncConnection, media_id: UUID | str, code: str = "E_INGEST_FAILED"
) -> None:
    """Arrange a media item whose processing failed (its job done with)."""
    await connection.execute(
        text(
            "UPDATE media SET processing_status = 'failed', processing_attempts = 3, "
            "processing_error_code = :code, processing_error_message = 'The page could not "
            "be fetched.' WHERE id = :id"
        ),
        {"id": str(media_id), "code": code},
    )
    await connection.execute(
        text("DELETE FROM procrastinate_jobs WHERE args->>'media_id' = :id"), {"id": str(media_id)}
    )
