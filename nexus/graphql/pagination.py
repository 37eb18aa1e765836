"""Connection arguments: `first`/`after` decoded into a `PageRequest`, checked before SQL.

Also answers whether a connection field's selection asks for `totalCount`, so the count
is computed (in the page's own statement) only when someone reads it.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.types import Info

from nexus.errors import ErrorCode, NexusError
from nexus.graphql.cursors import CursorKind
from nexus.services.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest

__all__ = ["After", "First", "decode_page", "page_request"]

FIRST_DESCRIPTION = (
    f"How many items to return: 0 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}); "
    "anything else is E_INVALID_REQUEST."
)
AFTER_DESCRIPTION = (
    "Return the items after this cursor (an edge's `cursor` or `pageInfo.endCursor` of "
    "this same list); a malformed cursor is E_INVALID_REQUEST."
)

First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


def page_request(
    info: Info[Any, Any], first: int | None, after: str | None, kind: CursorKind
) -> PageRequest:
    """The page the arguments ask for; E_INVALID_REQUEST for a bad size or cursor."""
    first, after_key = decode_page(first, after, kind)
    return PageRequest(first=first, after=after_key, with_total=_selects_total_count(info))


def decode_page(
    first: int | None, after: object, kind: CursorKind
) -> tuple[int, tuple[Any, ...] | None]:
    """The page size and the sort key after which the page starts (None: from the
    start); E_INVALID_REQUEST for a bad size or cursor. Shared with the compiled reads."""
    if first is None:
        first = DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise NexusError(
            ErrorCode.E_INVALID_REQUEST,
            f"`first` must be between 0 and {MAX_PAGE_SIZE}, not {first}.",
        )
    # `after` is UNSET when absent (so the SDL shows no default), None when sent as null.
    after_key = kind.decode(after) if isinstance(after, str) else None
    return first, after_key


def _selects_total_count(info: Info[Any, Any]) -> bool:
    # Strawberry's `selected_fields` converts the whole subtree; this walks one level.
    raw = info._raw_info
    return any(
        _selects(node.selection_set, "totalCount", raw.fragments) for node in raw.field_nodes
    )


def _selects(
    selection_set: SelectionSetNode | None,
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _selects(selection.selection_set, name, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _selects(fragment.selection_set, name, fragments):
                return True
    return False
