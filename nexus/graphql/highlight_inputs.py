"""What clients send about highlights: the mutations' inputs, the lists' `mine` argument,
and the HighlightColor enum they take (the GraphQL face of the service's colours)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from nexus.services.highlight_reads import HighlightColor
from nexus.services.highlights import MAX_NOTE_LENGTH

__all__ = [
    "CreateHighlightInput",
    "DeleteHighlightInput",
    "HighlightColor",
    "Mine",
    "UpdateHighlightInput",
]

strawberry.enum(
    HighlightColor,
    name="HighlightColor",
    description="A highlight's colour: YELLOW (the default), GREEN, BLUE, PINK or PURPLE.",
)

Mine = Annotated[
    bool | None,
    strawberry.argument(
        description=(
            "true (the default; null too): only the viewer's own highlights. false: also "
            "those of people who share a library holding the media item with the viewer."
        )
    ),
]

_CLIENT_MUTATION_ID = "Any string; echoed unchanged in the payload."
_HIGHLIGHT_ID = (
    "The highlight's global id (`Highlight.id`); any other id is E_INVALID_REQUEST, and a "
    "highlight that is not the viewer's is E_HIGHLIGHT_NOT_FOUND."
)
_START = (
    "Where the range starts: a code point offset into the fragment's canonicalText, "
    "0 <= startOffset < endOffset (else E_HIGHLIGHT_INVALID_RANGE)."
)
_END = (
    "Where the range ends (exclusive): at most the length of canonicalText in code points "
    "(else E_HIGHLIGHT_INVALID_RANGE)."
)
_NOTE = (
    f"The annotation: at most {MAX_NOTE_LENGTH:,} characters (code points), none of them "
    "U+0000 (else E_INVALID_REQUEST); an empty note is no note."
)


@strawberry.input(description="Highlight a range of a fragment's text.")
class CreateHighlightInput:
    fragment_id: strawberry.ID = strawberry.field(
        description=(
            "The fragment's global id (`Fragment.id`); any other id is E_INVALID_REQUEST, a "
            "fragment of media the viewer cannot read is E_MEDIA_NOT_FOUND."
        )
    )
    start_offset: int = strawberry.field(description=_START)
    end_offset: int = strawberry.field(description=_END)
    color: HighlightColor | None = strawberry.field(
        default=HighlightColor.YELLOW, description="The colour (null: YELLOW)."
    )
    note: str | None = strawberry.field(default=strawberry.UNSET, description=_NOTE)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Fields left out stay as they are; note: null removes the note.")
class UpdateHighlightInput:
    highlight_id: strawberry.ID = strawberry.field(description=_HIGHLIGHT_ID)
    start_offset: int | None = strawberry.field(
        default=strawberry.UNSET, description=_START + " Null or absent: unchanged."
    )
    end_offset: int | None = strawberry.field(
        default=strawberry.UNSET, description=_END + " Null or absent: unchanged."
    )
    color: HighlightColor | None = strawberry.field(
        default=strawberry.UNSET, description="The new colour; null or absent: unchanged."
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description=_NOTE + " Null removes it; absent: unchanged."
    )
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )


@strawberry.input(description="Delete one of the viewer's highlights.")
class DeleteHighlightInput:
    highlight_id: strawberry.ID = strawberry.field(description=_HIGHLIGHT_ID)
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=_CLIENT_MUTATION_ID
    )
