"""The error codes clients see, their HTTP statuses, and the one domain error type."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["STATUS_BY_CODE", "ErrorCode", "NexusError"]


class ErrorCode(StrEnum):
    """Every code a client can see in `errors[].extensions.code`."""

    E_UNAUTHENTICATED = "E_UNAUTHENTICATED"
    E_FORBIDDEN = "E_FORBIDDEN"
    E_INTERNAL_ONLY = "E_INTERNAL_ONLY"
    E_DEFAULT_LIBRARY_FORBIDDEN = "E_DEFAULT_LIBRARY_FORBIDDEN"
    E_LAST_ADMIN_FORBIDDEN = "E_LAST_ADMIN_FORBIDDEN"
    E_NOT_FOUND = "E_NOT_FOUND"
    E_LIBRARY_NOT_FOUND = "E_LIBRARY_NOT_FOUND"
    E_MEDIA_NOT_FOUND = "E_MEDIA_NOT_FOUND"
    E_INVALID_REQUEST = "E_INVALID_REQUEST"
    E_NAME_INVALID = "E_NAME_INVALID"
    E_AUTH_UNAVAILABLE = "E_AUTH_UNAVAILABLE"
    E_INTERNAL = "E_INTERNAL"
    E_INVALID_URL = "E_INVALID_URL"
    E_SSRF_BLOCKED = "E_SSRF_BLOCKED"
    E_INVALID_STATE = "E_INVALID_STATE"
    E_MEDIA_NOT_READY = "E_MEDIA_NOT_READY"
    E_RATE_LIMITED = "E_RATE_LIMITED"
    E_HIGHLIGHT_INVALID_RANGE = "E_HIGHLIGHT_INVALID_RANGE"
    E_HIGHLIGHT_CONFLICT = "E_HIGHLIGHT_CONFLICT"
    E_HIGHLIGHT_NOT_FOUND = "E_HIGHLIGHT_NOT_FOUND"
    # Processing failures, stored on the media (Media.processingError), never request errors.
    E_INGEST_FAILED = "E_INGEST_FAILED"
    E_INGEST_TIMEOUT = "E_INGEST_TIMEOUT"
    E_UNSUPPORTED_CONTENT = "E_UNSUPPORTED_CONTENT"
    E_CONTENT_TOO_LARGE = "E_CONTENT_TOO_LARGE"
    # Added beyond the contract: the database is unreachable or not migrated.
    E_UNAVAILABLE = "E_UNAVAILABLE"
    # Added beyond the contract: the operation or one of its statements ran out of time.
    E_TIMEOUT = "E_TIMEOUT"
    # Apollo's automatic persisted queries: the hash is unknown, send the query text once.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.E_UNAUTHENTICATED: 401,
    ErrorCode.E_FORBIDDEN: 403,
    ErrorCode.E_INTERNAL_ONLY: 403,
    ErrorCode.E_DEFAULT_LIBRARY_FORBIDDEN: 403,
    ErrorCode.E_LAST_ADMIN_FORBIDDEN: 403,
    ErrorCode.E_NOT_FOUND: 404,
    ErrorCode.E_LIBRARY_NOT_FOUND: 404,
    ErrorCode.E_MEDIA_NOT_FOUND: 404,
    ErrorCode.E_INVALID_REQUEST: 400,
    ErrorCode.E_NAME_INVALID: 400,
    ErrorCode.E_AUTH_UNAVAILABLE: 503,
    ErrorCode.E_INTERNAL: 500,
    ErrorCode.E_INVALID_URL: 400,
    ErrorCode.E_SSRF_BLOCKED: 403,
    ErrorCode.E_INVALID_STATE: 409,
    ErrorCode.E_MEDIA_NOT_READY: 409,
    ErrorCode.E_RATE_LIMITED: 429,
    ErrorCode.E_HIGHLIGHT_INVALID_RANGE: 400,
    ErrorCode.E_HIGHLIGHT_CONFLICT: 409,
    ErrorCode.E_HIGHLIGHT_NOT_FOUND: 404,
    ErrorCode.E_INGEST_FAILED: 502,
    ErrorCode.E_INGEST_TIMEOUT: 504,
    ErrorCode.E_UNSUPPORTED_CONTENT: 415,
    ErrorCode.E_CONTENT_TOO_LARGE: 413,
    ErrorCode.E_UNAVAILABLE: 503,
    # 504, not 503: the database did not answer in time, and retrying the same operation
    # will not help the way it does when the service is unavailable.
    ErrorCode.E_TIMEOUT: 504,
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: 400,
}


class NexusError(Exception):
    """A rule said no. Carries the code the client sees and a message safe to show."""

    def __init__(self, code: ErrorCode, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    def extensions(self) -> dict[str, object]:
        return {"code": self.code.value, "status": self.status, **self.details}
