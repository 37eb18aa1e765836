"""Refusals at the HTTP level: each keeps its own status whatever the response media type."""

from __future__ import annotations

__all__ = ["TransportError", "malformed_request"]


class TransportError(Exception):
    """A refusal at the HTTP level: its own status, optional headers, one error."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def malformed_request(message: str) -> TransportError:
    """Not a well-formed GraphQL-over-HTTP request (a body that is not a JSON object, a
    missing query, a parameter of the wrong type): 400 under both media types, as
    transport.md says, since no GraphQL was even read."""
    return TransportError(400, message)
