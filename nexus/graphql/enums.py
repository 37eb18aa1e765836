"""Enums of the schema surface."""

from __future__ import annotations

import strawberry

from nexus.errors import ErrorCode as DomainErrorCode

__all__ = ["ErrorCode"]

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description=(
        "Every code a client can see in `errors[].extensions.code`; `extensions.status` "
        "carries the HTTP status the code stands for."
    ),
)
