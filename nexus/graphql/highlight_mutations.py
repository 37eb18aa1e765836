"""The highlight mutations (createHighlight, updateHighlight, deleteHighlight) and their
payloads; `Mutation` inherits them. Each decodes its input, runs one service call in one
transaction and builds its payload; the rules live in `nexus.services.highlights`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from nexus.graphql.context import Context
from nexus.graphql.global_ids import decode_global_id, encode_global_id
from nexus.graphql.highlight_inputs import (
    CreateHighlightInput,
    DeleteHighlightInput,
    UpdateHighlightInput,
)
from nexus.graphql.types.highlight import Highlight
from nexus.services import highlights
from nexus.services.highlight_reads import HighlightColor

__all__ = [
    "CreateHighlightPayload",
    "DeleteHighlightPayload",
    "HighlightMutations",
    "UpdateHighlightPayload",
]

_ECHO = "The input's clientMutationId, unchanged."


@strawberry.type(description="The new highlight.")
class CreateHighlightPayload:
    highlight: Highlight = strawberry.field(description="The highlight, owned by the viewer.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The changed highlight.")
class UpdateHighlightPayload:
    highlight: Highlight = strawberry.field(description="The highlight as it is now.")
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


@strawberry.type(description="The deleted highlight's id.")
class DeleteHighlightPayload:
    deleted_highlight_id: strawberry.ID = strawberry.field(
        description="The global id the highlight had: drop it from client caches."
    )
    client_mutation_id: str | None = strawberry.field(description=_ECHO)


def _given[T](value: T | None) -> T | None:
    """The value of an optional input field, None when left out."""
    return None if value is strawberry.UNSET else value


@asynccontextmanager
async def _transaction(context: Context) -> AsyncIterator[AsyncSession]:
    async with context.database.transaction() as session:
        yield session
    # The payload's nested fields read the state the mutation left.
    context.loaders.clear()


@strawberry.type(description="The highlight mutations, part of Mutation.")
class HighlightMutations:
    @strawberry.mutation(
        description=(
            "Highlight [startOffset, endOffset) of a fragment's canonicalText (code points), "
            "with a colour and an optional note; exact, prefix and suffix are computed from "
            "the text. Overlapping ranges are fine. Errors: E_INVALID_REQUEST (bad id, note "
            "over 10,000 characters), E_MEDIA_NOT_FOUND (the media cannot be read), "
            "E_MEDIA_NOT_READY (it cannot be highlighted yet), E_HIGHLIGHT_INVALID_RANGE, "
            "E_HIGHLIGHT_CONFLICT (the viewer already has exactly this range here)."
        )
    )
    async def create_highlight(
        self, info: Info[Context, None], input: CreateHighlightInput
    ) -> CreateHighlightPayload | None:
        context = info.context
        (fragment_id,) = decode_global_id(input.fragment_id, "Fragment")
        async with _transaction(context) as session:
            row = await highlights.create_highlight(
                session=session,
                viewer_id=context.viewer_id,
                fragment_id=fragment_id,
                start_offset=input.start_offset,
                end_offset=input.end_offset,
                color=_given(input.color) or HighlightColor.YELLOW,
                note=_given(input.note),
            )
        return CreateHighlightPayload(
            highlight=Highlight.from_row(row), client_mutation_id=_given(input.client_mutation_id)
        )

    @strawberry.mutation(
        description=(
            "Change the range, colour or note of one of the viewer's highlights (fields left "
            "out stay as they are; note: null removes the note), under the rules of "
            "createHighlight for what changes. Errors: E_INVALID_REQUEST, "
            "E_HIGHLIGHT_NOT_FOUND (missing, or not the viewer's), E_MEDIA_NOT_READY, "
            "E_HIGHLIGHT_INVALID_RANGE, E_HIGHLIGHT_CONFLICT."
        )
    )
    async def update_highlight(
        self, info: Info[Context, None], input: UpdateHighlightInput
    ) -> UpdateHighlightPayload | None:
        context = info.context
        (highlight_id,) = decode_global_id(input.highlight_id, "Highlight")
        change = highlights.HighlightChange(
            start_offset=_given(input.start_offset),
            end_offset=_given(input.end_offset),
            color=_given(input.color),
            note=_given(input.note),
            set_note=input.note is not strawberry.UNSET,
        )
        async with _transaction(context) as session:
            row = await highlights.update_highlight(
                session=session,
                viewer_id=context.viewer_id,
                highlight_id=highlight_id,
                change=change,
            )
        return UpdateHighlightPayload(
            highlight=Highlight.from_row(row), client_mutation_id=_given(input.client_mutation_id)
        )

    @strawberry.mutation(
        description=(
            "Delete one of the viewer's highlights. Errors: E_INVALID_REQUEST, "
            "E_HIGHLIGHT_NOT_FOUND (missing, or not the viewer's)."
        )
    )
    async def delete_highlight(
        self, info: Info[Context, None], input: DeleteHighlightInput
    ) -> DeleteHighlightPayload | None:
        context = info.context
        (highlight_id,) = decode_global_id(input.highlight_id, "Highlight")
        async with _transaction(context) as session:
            await highlights.delete_highlight(
                session=session, viewer_id=context.viewer_id, highlight_id=highlight_id
            )
        return DeleteHighlightPayload(
            deleted_highlight_id=strawberry.ID(encode_global_id("Highlight", highlight_id)),
            client_mutation_id=_given(input.client_mutation_id),
        )
