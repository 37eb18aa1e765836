"""Refetching objects by global id (`node`, `nodes`), masked by what the viewer may see.

An object the viewer may not see is answered exactly like one that does not exist:
E_LIBRARY_NOT_FOUND for a Library, E_MEDIA_NOT_FOUND for a Media, E_HIGHLIGHT_NOT_FOUND
for a Highlight, E_NOT_FOUND for a User, Membership or Fragment. A malformed id, or one
naming another type, is E_INVALID_REQUEST, before any SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from nexus.errors import ErrorCode, NexusError
from nexus.graphql.context import Context
from nexus.graphql.global_ids import decode_node_id
from nexus.graphql.loaders import loader
from nexus.graphql.loaders.highlights import HighlightByIdLoader
from nexus.graphql.loaders.libraries import LibraryByIdLoader
from nexus.graphql.loaders.media import FragmentByIdLoader, MediaByIdLoader
from nexus.graphql.loaders.memberships import MembershipByIdLoader
from nexus.graphql.loaders.users import VisibleUserByIdLoader
from nexus.graphql.types.fragment import Fragment
from nexus.graphql.types.highlight import Highlight
from nexus.graphql.types.library import Library
from nexus.graphql.types.media import Media
from nexus.graphql.types.membership import Membership
from nexus.graphql.types.node import Node
from nexus.graphql.types.user import User
from nexus.services.highlights import highlight_not_found
from nexus.services.library_access import library_not_found
from nexus.services.media import media_not_found

__all__ = ["NodeRef", "decode_node_ref", "load_library", "load_media", "load_node", "not_found"]


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A decoded global id: the type it names and its uuid(s)."""

    type_name: str
    ids: tuple[UUID, ...]


def _not_found(what: str) -> Callable[[], NexusError]:
    return lambda: NexusError(ErrorCode.E_NOT_FOUND, f"{what} not found.")


@dataclass(frozen=True, slots=True)
class _NodeType:
    parts: int
    load: Callable[[Context, tuple[UUID, ...]], Awaitable[Any]]
    build: Callable[[Any], Node]
    not_found: Callable[[], NexusError]


_NODE_TYPES: dict[str, _NodeType] = {
    "User": _NodeType(
        1,
        lambda ctx, ids: loader(ctx, VisibleUserByIdLoader).load(ids[0]),
        User.from_row,
        _not_found("User"),
    ),
    "Library": _NodeType(
        1,
        lambda ctx, ids: loader(ctx, LibraryByIdLoader).load(ids[0]),
        Library.from_row,
        library_not_found,
    ),
    "Membership": _NodeType(
        2,
        lambda ctx, ids: loader(ctx, MembershipByIdLoader).load((ids[0], ids[1])),
        Membership.from_row,
        _not_found("Membership"),
    ),
    "Media": _NodeType(
        1,
        lambda ctx, ids: loader(ctx, MediaByIdLoader).load(ids[0]),
        Media.from_row,
        media_not_found,
    ),
    "Fragment": _NodeType(
        1,
        lambda ctx, ids: loader(ctx, FragmentByIdLoader).load(ids[0]),
        Fragment.from_row,
        _not_found("Fragment"),
    ),
    "Highlight": _NodeType(
        1,
        lambda ctx, ids: loader(ctx, HighlightByIdLoader).load(ids[0]),
        Highlight.from_row,
        highlight_not_found,
    ),
}


def decode_node_ref(global_id: str) -> NodeRef:
    """The type and uuids a global id names; E_INVALID_REQUEST unless it is a well-formed
    id of one of the node types."""
    type_name, ids = decode_node_id(global_id)
    node_type = _NODE_TYPES.get(type_name)
    if node_type is None or len(ids) != node_type.parts:
        raise NexusError(ErrorCode.E_INVALID_REQUEST, f"Invalid global id: {global_id[:80]!r}.")
    return NodeRef(type_name, ids)


def not_found(type_name: str) -> NexusError:
    """The error `node` answers for an object of this type the viewer may not see."""
    return _NODE_TYPES[type_name].not_found()


async def load_node(context: Context, ref: NodeRef) -> Node:
    """The object, if the viewer may see it; its type's not-found error otherwise."""
    node_type = _NODE_TYPES[ref.type_name]
    row = await node_type.load(context, ref.ids)
    if row is None:
        raise node_type.not_found()
    return node_type.build(row)


async def load_library(context: Context, library_id: UUID) -> Library:
    """A library the viewer is a member of; E_LIBRARY_NOT_FOUND otherwise."""
    row = await loader(context, LibraryByIdLoader).load(library_id)
    if row is None:
        raise library_not_found()
    return Library.from_row(row)


async def load_media(context: Context, media_id: UUID) -> Media:
    """A media item the viewer can read; E_MEDIA_NOT_FOUND otherwise."""
    row = await loader(context, MediaByIdLoader).load(media_id)
    if row is None:
        raise media_not_found()
    return Media.from_row(row)
