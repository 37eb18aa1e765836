"""The resolver path's encodings as SQL expressions, byte for byte.

Global ids (`nexus.graphql.global_ids`), page cursors (`nexus.graphql.cursors`), DateTime
values (Strawberry's `datetime.isoformat()` of a UTC timestamp) and enum names (from the
GraphQL enum types themselves) are computed by PostgreSQL, so a compiled response needs no
Python work per value. `tests/compiled/test_encoding.py` holds each twin to its original.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLEnumType
from sqlalchemy import BigInteger, ColumnElement, DateTime, Text, case, cast, func
from sqlalchemy.sql.expression import literal_column

from nexus.graphql.cursors import CursorKind

__all__ = [
    "SENTINEL",
    "constant",
    "cursor",
    "enum_name",
    "global_id",
    "iso_timestamp",
    "json_constant",
]

# JSON that PostgreSQL text can never produce (text holds no NUL character): a compiled
# field that found nothing where the schema promises a value writes it, and the runner
# then answers the request on the resolver path instead.
SENTINEL = b'"\\u0000"'


def constant(value: str) -> ColumnElement[str]:
    """A text constant written into the statement (keys, type names), not a parameter."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


def json_constant(text: str) -> ColumnElement[Any]:
    return literal_column("'" + text.replace("'", "''") + "'::json")


def _base64(raw: ColumnElement[str]) -> ColumnElement[str]:
    # encode() breaks base64 lines every 76 characters; Python's b64encode does not.
    # replace(), not translate(): the same text, 2.7 -> 1.2 us per id measured (translate
    # maps each character); a page encodes an id or a cursor per row.
    encoded = func.encode(func.convert_to(raw, constant("UTF8")), constant("base64"))
    return func.replace(encoded, literal_column("E'\\n'", Text), constant(""))


def _joined(parts: Sequence[ColumnElement[Any]]) -> ColumnElement[str]:
    text = parts[0]
    for part in parts[1:]:
        text = text.op("||")(constant(":")).op("||")(part)
    return text


def global_id(type_name: str, *ids: ColumnElement[Any]) -> ColumnElement[str]:
    """base64("<TypeName>:<uuid>[:<uuid>]"), as `encode_global_id`."""
    return _base64(_joined([constant(type_name), *(cast(part, Text) for part in ids)]))


def _epoch_microseconds(value: ColumnElement[Any]) -> ColumnElement[str]:
    micros = cast(func.extract("epoch", value) * literal_column("1000000"), BigInteger)
    return cast(micros, Text)


def _cursor_part(value: ColumnElement[Any]) -> ColumnElement[str]:
    # Timestamps as integer microseconds since the epoch; uuids and integers as text.
    if isinstance(value.type, DateTime):
        return _epoch_microseconds(value)
    return cast(value, Text)


def cursor(kind: CursorKind, key: Sequence[ColumnElement[Any]]) -> ColumnElement[str]:
    """The cursor of the row whose sort key is `key`, as `CursorKind.encode`."""
    return _base64(_joined([constant(kind.name), *(_cursor_part(part) for part in key)]))


def iso_timestamp(value: ColumnElement[Any]) -> ColumnElement[str]:
    """`datetime.isoformat()` of the UTC value: microseconds only when not zero."""
    utc = func.timezone(constant("UTC"), value)
    text = func.to_char(utc, constant('YYYY-MM-DD"T"HH24:MI:SS.US'))
    return func.replace(text, constant(".000000"), constant("")).op("||")(constant("+00:00"))


def enum_name(enum: GraphQLEnumType, value: ColumnElement[Any]) -> ColumnElement[str]:
    """The GraphQL name of a stored enum value, from the enum type's own table."""
    return case(
        *(
            (value == constant(str(member.value)), constant(name))
            for name, member in enum.values.items()
        )
    )
