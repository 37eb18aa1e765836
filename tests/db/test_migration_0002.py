"""Migration 0002 (access path indexes): applied at head, and reversible."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from nexus.db.migrations import downgrade, upgrade

INDEXES = {"ix_memberships_user_id_library_id", "ix_library_media_library_id_created_at_media_id"}


def _indexes(url: str) -> dict[str, str]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return dict(rows)


def test_0002_adds_the_access_path_indexes_and_reverts_cleanly(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_0002")
    upgrade(url, "0001_slice0_schema")
    before = _indexes(url)
    assert not INDEXES & before.keys()
    upgrade(url, "0002_access_path_indexes")
    after = _indexes(url)
    assert after.keys() - before.keys() == INDEXES
    assert (
        "(library_id, created_at DESC, media_id DESC)"
        in after["ix_library_media_library_id_created_at_media_id"]
    )
    assert "(user_id, library_id)" in after["ix_memberships_user_id_library_id"]
    downgrade(url, "0001_slice0_schema")
    assert _indexes(url) == before
