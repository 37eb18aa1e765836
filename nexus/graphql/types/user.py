"""The User type."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from nexus.graphql.global_ids import encode_global_id

__all__ = ["User"]


@strawberry.type(description="A person who has signed in to Nexus at least once.")
class User:
    uuid: UUID = strawberry.field(description="The identity provider's subject (the JWT `sub`).")
    created_at: datetime = strawberry.field(description="When the user first signed in.")

    @strawberry.field(description="The Relay global id: base64 of `User:<uuid>`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("User", self.uuid))
