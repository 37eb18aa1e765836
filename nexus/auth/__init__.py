"""Who is calling: the internal header and the bearer JWT, turned into a viewer id.

Knows nothing of GraphQL; hands the HTTP layer a user id or raises a `NexusError`
with E_INTERNAL_ONLY, E_UNAUTHENTICATED or E_AUTH_UNAVAILABLE.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

__all__ = ["Authenticator"]


class Authenticator(Protocol):
    async def authenticate(self, *, authorization: str | None, internal_header: str | None) -> UUID:
        """The verified viewer id, or a NexusError saying why not."""
        ...
