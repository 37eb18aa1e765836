"""The Authenticator of transport.md: internal header first (staging/prod), then the JWT."""

from __future__ import annotations

import hmac
from uuid import UUID

from nexus.auth.jwks import JwksUnavailableError
from nexus.auth.tokens import InvalidTokenError, TokenVerifier
from nexus.errors import ErrorCode, NexusError

__all__ = ["JwtAuthenticator"]


class JwtAuthenticator:
    def __init__(self, verifier: TokenVerifier, *, internal_secret: str | None) -> None:
        self.verifier = verifier
        self.internal_secret = internal_secret

    async def authenticate(self, *, authorization: str | None, internal_header: str | None) -> UUID:
        if self.internal_secret is not None and not hmac.compare_digest(
            (internal_header or "").encode(), self.internal_secret.encode()
        ):
            raise NexusError(ErrorCode.E_INTERNAL_ONLY, "This endpoint is internal.")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NexusError(ErrorCode.E_UNAUTHENTICATED, "A bearer token is required.")
        try:
            return await self.verifier.verify(token.strip())
        except InvalidTokenError:
            raise NexusError(ErrorCode.E_UNAUTHENTICATED, "The token is not valid.") from None
        except JwksUnavailableError:
            raise NexusError(
                ErrorCode.E_AUTH_UNAVAILABLE, "The identity provider's keys are unreachable."
            ) from None
