"""The Authenticator of transport.md: the internal header (staging/prod), then the JWT."""

from __future__ import annotations

import hmac
import logging
from uuid import UUID

from nexus.auth.jwks import JwksUnavailableError
from nexus.auth.tokens import InvalidTokenError, TokenVerifier
from nexus.errors import ErrorCode, NexusError

__all__ = ["JwtAuthenticator"]

logger = logging.getLogger("nexus.auth")


class JwtAuthenticator:
    def __init__(self, verifier: TokenVerifier, *, internal_secret: str | None) -> None:
        """`internal_secret` is None where no internal header is required (local, test)."""
        self.verifier = verifier
        self._internal_secret = None if internal_secret is None else internal_secret.encode()

    def check_internal(self, header: str | None) -> None:
        """In staging/prod only callers holding the shared secret get in: E_INTERNAL_ONLY."""
        if self._internal_secret is None:
            return
        # Constant time in the content: a wrong guess reveals nothing of the secret.
        if not hmac.compare_digest((header or "").encode(), self._internal_secret):
            raise NexusError(ErrorCode.E_INTERNAL_ONLY, "This API is internal.")

    async def authenticate(self, authorization: str | None) -> UUID:
        """The viewer id from `Authorization: Bearer <JWT>`: E_UNAUTHENTICATED when it is
        missing, of another scheme or invalid; E_AUTH_UNAVAILABLE when the provider's keys
        cannot be had."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NexusError(ErrorCode.E_UNAUTHENTICATED, "A bearer token is required.")
        try:
            return await self.verifier.verify(token)
        except InvalidTokenError as exc:
            logger.info("bearer token refused: %s", exc)
            raise NexusError(ErrorCode.E_UNAUTHENTICATED, "The token is not valid.") from None
        except JwksUnavailableError:
            raise NexusError(
                ErrorCode.E_AUTH_UNAVAILABLE, "The identity provider's keys are unreachable."
            ) from None
