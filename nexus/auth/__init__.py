"""Who is calling: the internal header and the bearer JWT, turned into a viewer id.

Knows nothing of GraphQL; hands the HTTP layer a user id or raises a `NexusError`
with E_INTERNAL_ONLY, E_UNAUTHENTICATED or E_AUTH_UNAVAILABLE.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

__all__ = ["Authenticator"]


class Authenticator(Protocol):
    def check_internal(self, header: str | None) -> None:
        """Raise E_INTERNAL_ONLY unless the internal header is right (staging/prod only)."""
        ...

    async def authenticate(self, authorization: str | None) -> UUID:
        """The verified viewer id, or a NexusError saying why not."""
        ...
