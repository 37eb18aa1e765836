"""Relay global ids: base64("<TypeName>:<uuid>[:<uuid>]"), standard alphabet with padding."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from nexus.errors import ErrorCode, NexusError

__all__ = ["decode_global_id", "decode_node_id", "encode_global_id"]


def encode_global_id(type_name: str, *ids: UUID) -> str:
    # Written for speed: a resolver-path page encodes a hundred of these.
    raw = f"{type_name}:{ids[0]}" if len(ids) == 1 else ":".join([type_name, *map(str, ids)])
    return binascii.b2a_base64(raw.encode(), newline=False).decode("ascii")


def _invalid(value: object, expected: str) -> NexusError:
    return NexusError(ErrorCode.E_INVALID_REQUEST, f"Invalid {expected} id: {str(value)[:80]!r}.")


def decode_node_id(value: str) -> tuple[str, tuple[UUID, ...]]:
    """A global id's type name and uuids; E_INVALID_REQUEST when it is not one."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
        type_name, *parts = raw.split(":")
        ids = tuple(UUID(part) for part in parts)
    except (ValueError, UnicodeError, binascii.Error):
        raise _invalid(value, "global") from None
    if not type_name or not ids:
        raise _invalid(value, "global")
    return type_name, ids


def decode_global_id(value: str, expected_type: str, parts: int = 1) -> tuple[UUID, ...]:
    """The uuids of a global id of `expected_type`; E_INVALID_REQUEST otherwise."""
    type_name, ids = decode_node_id(value)
    if type_name != expected_type or len(ids) != parts:
        raise _invalid(value, expected_type)
    return ids
