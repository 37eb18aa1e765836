"""The User type."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from nexus.db.engine import Record
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.types.node import Node

__all__ = ["User"]


@strawberry.type(
    description=(
        "A person who has signed in to Nexus at least once. A viewer sees themselves and "
        "the users they share a library with; `node` answers E_NOT_FOUND for anyone else."
    )
)
class User(Node):
    uuid: UUID = strawberry.field(description="The identity provider's subject (the JWT `sub`).")
    created_at: datetime = strawberry.field(description="When the user first signed in.")

    @strawberry.field(description="The global id: base64 of `User:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("User", self.uuid))

    @classmethod
    def from_row(cls, row: Record) -> User:
        return cls(uuid=row.id, created_at=row.created_at)
