"""The root Subscription type, served over WebSocket (`nexus.app.websocket`).

An operation is resolved once per event, with the event as its root value: the field
shows the media the event names, for the viewer, by the same rule as `media(id)`. Which
media an operation watches is read from its document (`watched_media`) before any event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types import Info

from nexus.graphql.context import Context
from nexus.graphql.execution import PreparedOperation
from nexus.graphql.global_ids import decode_global_id
from nexus.graphql.node_lookup import load_media
from nexus.graphql.types.media import Media

__all__ = ["FINAL_STATUSES", "MediaEventRoot", "Subscription", "WatchedField", "watched_field"]

# The states after which `mediaProcessing` completes.
FINAL_STATUSES = frozenset({"ready_for_reading", "ready", "failed"})


@dataclass(frozen=True, slots=True)
class MediaEventRoot:
    """The root value of one resolution: the media to show (after a merge, the
    survivor)."""

    media_id: UUID


@strawberry.type(description="Over WebSocket, protocol graphql-transport-ws, at /graphql.")
class Subscription:
    @strawberry.field(
        description=(
            "The media as it is now, then again after every change of its processing "
            "state; completes after READY_FOR_READING, READY or FAILED. After a merge the "
            "surviving media is the last event. E_MEDIA_NOT_FOUND (then complete) when the "
            "viewer cannot read it, at once or later; E_INVALID_REQUEST for an id that is "
            "not a Media's."
        )
    )
    async def media_processing(
        self,
        info: Info[Context, MediaEventRoot],
        id: Annotated[strawberry.ID, strawberry.argument(description="The media's global id.")],
    ) -> Media:
        return await load_media(info.context, info.root_value.media_id)

    @strawberry.field(
        description=(
            "Every media item the viewer can read, each time its processing state changes, "
            "in the order the changes were committed; nothing about media the viewer cannot "
            "read. Never completes."
        )
    )
    async def viewer_media_updates(self, info: Info[Context, MediaEventRoot]) -> Media:
        return await load_media(info.context, info.root_value.media_id)


@dataclass(frozen=True, slots=True)
class WatchedField:
    """The subscription field an operation selects: its response key, and the media it
    watches (None: everything the viewer can read)."""

    response_key: str
    media_id: UUID | None

    @property
    def completes(self) -> bool:
        return self.media_id is not None


def _root_field(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> FieldNode:
    # Validation leaves exactly one root field, possibly inside fragments.
    selection = selection_set.selections[0]
    if isinstance(selection, FieldNode):
        return selection
    if isinstance(selection, FragmentSpreadNode):
        return _root_field(fragments[selection.name.value].selection_set, fragments)
    if isinstance(selection, InlineFragmentNode):
        return _root_field(selection.selection_set, fragments)
    raise TypeError(f"a selection of an unknown kind: {type(selection).__name__}")


def watched_field(
    schema: GraphQLSchema, prepared: PreparedOperation, variables: VariableValues
) -> WatchedField:
    """What a valid subscription operation watches, under its coerced `variables`.
    Raises NexusError(E_INVALID_REQUEST) for an id that is not a Media's."""
    fragments = {
        definition.name.value: definition
        for definition in prepared.document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    node = _root_field(prepared.operation.selection_set, fragments)
    key = node.alias.value if node.alias else node.name.value
    if node.name.value != "mediaProcessing":
        return WatchedField(key, None)
    if schema.subscription_type is None:
        raise TypeError("a subscription operation validated against a schema without them")
    field = schema.subscription_type.fields["mediaProcessing"]
    arguments = get_argument_values(field, node, variables)
    (media_id,) = decode_global_id(arguments["id"], "Media")
    return WatchedField(key, media_id)
