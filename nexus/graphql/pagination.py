"""Connection arguments: `first`/`after` decoded into a `PageRequest`, checked before SQL.

Also answers whether a connection field's selection asks for `totalCount`, so the count
is computed (in the page's own statement) only when someone reads it, and which large
columns of its nodes nobody reads, so they are not loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
from nexus.graphql.context import Context
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
    info: Info[Context, Any],
    first: int | None,
    after: str | None,
    kind: CursorKind,
    large_columns: Mapping[str, str] | None = None,
) -> PageRequest:
    """The page the arguments ask for; E_INVALID_REQUEST for a bad size or cursor.

    `large_columns` maps node fields to the row columns they read (long texts): those of
    fields the selection never reads under `edges { node }` are not loaded. On the
    benchmark's deep query (1,200 fragments, `htmlSanitized` only) leaving out
    `canonical_text` took the resolver path's peak memory from 417 to 370 MB (2 workers)
    and its rate from 18 to 21 requests/s.
    """
    first, after_key = decode_page(first, after, kind)
    raw = info._raw_info
    # The same field of every node of a list has the same selection: it is read once.
    known = info.context.page_selections
    key = tuple(map(id, raw.field_nodes))
    selection = known.get(key)
    if selection is None:
        selection = known[key] = _page_selection(raw.field_nodes, raw.fragments, large_columns)
    with_total, omit = selection
    return PageRequest(first=first, after=after_key, with_total=with_total, omit=omit)


def _page_selection(
    field_nodes: list[FieldNode],
    fragments: dict[str, FragmentDefinitionNode],
    large_columns: Mapping[str, str] | None,
) -> tuple[bool, frozenset[str]]:
    """Whether the connection's selection reads `totalCount`, and the large columns of
    its nodes it does not read."""
    selection_sets = [node.selection_set for node in field_nodes]
    omit: frozenset[str] = frozenset()
    if large_columns:
        nodes = _children(_children(selection_sets, "edges", fragments), "node", fragments)
        omit = frozenset(
            column for name, column in large_columns.items() if not _selects(nodes, name, fragments)
        )
    return _selects(selection_sets, "totalCount", fragments), omit


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


# Strawberry's `selected_fields` converts the whole subtree; these walk only the levels
# asked about. They over-approximate: they ignore `@skip`/`@include` and type conditions,
# so a field they miss is never selected.


def _fields(
    selection_sets: Iterable[SelectionSetNode | None],
    fragments: dict[str, FragmentDefinitionNode],
) -> Iterator[FieldNode]:
    """The fields of these selection sets, through their inline and named fragments.

    Each named fragment is walked once however often it is spread: its fields are the
    same at every spread, and a doubling chain of spreads (`fragment A on T { ...B ...B }`
    and so on) would otherwise cost 2^n walks for n short fragments."""
    visited: set[str] = set()
    pending = [selection_set for selection_set in selection_sets if selection_set is not None]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in visited:
                    visited.add(name)
                    pending.append(fragment.selection_set)


def _selects(
    selection_sets: Iterable[SelectionSetNode | None],
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
) -> bool:
    return any(field.name.value == name for field in _fields(selection_sets, fragments))


def _children(
    selection_sets: Iterable[SelectionSetNode | None],
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
) -> list[SelectionSetNode | None]:
    """The selection sets of the fields called `name` in these selection sets."""
    return [
        field.selection_set
        for field in _fields(selection_sets, fragments)
        if field.name.value == name
    ]
