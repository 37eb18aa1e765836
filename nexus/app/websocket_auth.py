"""connection_init's authentication: the HTTP checks (the same `Authenticator`), on the
payload's `Authorization` and `X-Nexus-Internal` instead of headers.

A refusal is a close code: 4403 for the internal header, 4401 for the token, 4503 when
the provider's keys cannot be had. An accepted token's `exp` (plus the leeway HTTP
allows) is when the socket is closed with 4401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt

from nexus.auth import Authenticator
from nexus.auth.tokens import LEEWAY_SECONDS
from nexus.errors import ErrorCode, NexusError

__all__ = ["CLOSE_CODES", "Authenticated", "InitRefusedError", "authenticate_init"]

CLOSE_CODES = {
    ErrorCode.E_INTERNAL_ONLY: 4403,
    ErrorCode.E_UNAUTHENTICATED: 4401,
    ErrorCode.E_AUTH_UNAVAILABLE: 4503,
}


@dataclass(frozen=True, slots=True)
class Authenticated:
    viewer_id: UUID
    valid_until: float  # epoch seconds


class InitRefusedError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _entry(payload: dict[str, Any], name: str, refusal: ErrorCode) -> str | None:
    # Header names are case-insensitive; a name given twice (in two cases) is refused.
    values = [value for key, value in payload.items() if key.lower() == name]
    if len(values) > 1 or (values and not isinstance(values[0], str)):
        raise NexusError(refusal, f"{name} must be given once, as a string.")
    return values[0] if values else None


async def authenticate_init(authenticator: Authenticator, payload: object) -> Authenticated:
    """The viewer of a connection_init payload, or InitRefusedError with its close code."""
    try:
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise NexusError(ErrorCode.E_UNAUTHENTICATED, "The payload must be an object.")
        # First, as over HTTP: in staging/prod an outsider learns nothing more.
        authenticator.check_internal(_entry(payload, "x-nexus-internal", ErrorCode.E_INTERNAL_ONLY))
        authorization = _entry(payload, "authorization", ErrorCode.E_UNAUTHENTICATED)
        viewer_id = await authenticator.authenticate(authorization)
    except NexusError as error:
        raise InitRefusedError(CLOSE_CODES.get(error.code, 4401), error.code.value) from None
    if authorization is None:  # authenticate() refuses a missing header: not expected
        raise InitRefusedError(
            CLOSE_CODES[ErrorCode.E_UNAUTHENTICATED], ErrorCode.E_UNAUTHENTICATED.value
        )
    # Verified just now, so its claims can be read as they are.
    token = authorization.strip().partition(" ")[2].strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    return Authenticated(viewer_id, float(claims["exp"]) + LEEWAY_SECONDS)
