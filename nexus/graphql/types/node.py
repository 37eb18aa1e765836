"""The Node interface: every object with a global id, refetchable with `node`/`nodes`."""

from __future__ import annotations

import strawberry

__all__ = ["Node"]


@strawberry.interface(
    description=(
        "An object with a global id. `node(id:)` and `nodes(ids:)` refetch any of them; an "
        "object the viewer may not see comes back null with a not-found error."
    )
)
class Node:
    @strawberry.field(
        description=(
            "The global id: base64 of `<TypeName>:<uuid>` (a Membership: "
            "`Membership:<library uuid>:<user uuid>`). Opaque to clients."
        )
    )
    def id(self) -> strawberry.ID:
        raise NotImplementedError
