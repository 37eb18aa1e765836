"""Why processing a page failed: the code stored on the media and a message for people."""

from __future__ import annotations

from nexus.errors import ErrorCode

__all__ = ["IngestError"]


class IngestError(Exception):
    """Fetching or extracting a page failed.

    `code` is one of the processing failure codes (reading.md, Processing); `message` is
    for people (no stack trace, no internal address); `transient` failures (connection
    errors, HTTP 5xx/429, timeouts) are worth another attempt.
    """

    def __init__(self, code: ErrorCode, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.transient = transient

    def __reduce__(self) -> tuple[type[IngestError], tuple[ErrorCode, str], dict[str, bool]]:
        # Pickled across the worker's extraction processes: keep the keyword argument.
        return (type(self), (self.code, self.message), {"transient": self.transient})
