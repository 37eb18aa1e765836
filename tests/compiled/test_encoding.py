"""The SQL twins of the resolver path's encodings give the same text, value for value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import DateTime, Integer, bindparam, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.compiled import encoding
from nexus.graphql import cursors
from nexus.graphql.global_ids import encode_global_id
from nexus.graphql.schema import build_schema

INSTANTS = [
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, 0, 120000, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 30, 5, 1, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC) - timedelta(microseconds=1),
]


async def test_timestamps_global_ids_cursors_and_enums(connection) -> None:
    at = bindparam("at", type_=DateTime(timezone=True))
    a, b = bindparam("a", type_=PG_UUID(as_uuid=True)), bindparam("b", type_=PG_UUID(as_uuid=True))
    idx = bindparam("idx", type_=Integer)
    role = build_schema()._schema.type_map["LibraryRole"]
    statement = select(
        encoding.iso_timestamp(at),
        encoding.global_id("Library", a),
        encoding.global_id("Membership", a, b),
        encoding.cursor(cursors.LIBRARY_MEDIA, [at, a]),
        encoding.cursor(cursors.FRAGMENTS, [idx]),
        encoding.enum_name(role, bindparam("role")),  # type: ignore[arg-type]
    )
    for instant in INSTANTS:
        first, second = uuid4(), UUID(int=0)
        for number, stored in ((0, "admin"), (2**31 - 1, "member")):
            values = {"at": instant, "a": first, "b": second, "idx": number, "role": stored}
            row = (await connection.execute(statement, values)).one()
            assert row == (
                instant.isoformat(),
                encode_global_id("Library", first),
                encode_global_id("Membership", first, second),
                cursors.LIBRARY_MEDIA.encode(cursors.encode_timestamp(instant), first),
                cursors.FRAGMENTS.encode(number),
                stored.upper(),
            )
