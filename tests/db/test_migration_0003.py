"""Migration 0003 (fragment_json): each fragment's texts kept as their JSON encoding by a
trigger, rebuilt by `rebuild_fragment_json()`, backfilled on upgrade, and reversible."""

from __future__ import annotations

import json
from collections.abc import Callable

import psycopg

from nexus.db.migrations import downgrade, upgrade

# Everything JSON escapes: quotes, backslashes, control characters, non-ASCII, U+2028.
TRICKY = 'a "quoted" \\ back\\slash\n\r\t\x01\x1f caf\u00e9 \u2028 \U0001f600 </script>'


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _fragment(db: psycopg.Connection, idx: int, text: str) -> object:
    media = db.execute(
        "INSERT INTO media (kind, title) VALUES ('web_article', 'M') RETURNING id"
    ).fetchone()[0]
    return db.execute(
        "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (media, idx, text, f"<p>{text}</p>"),
    ).fetchone()[0]


def _by_fragment(db: psycopg.Connection, sql: str) -> dict[object, tuple[str, str]]:
    return {row[0]: (row[1], row[2]) for row in db.execute(sql).fetchall()}


def _copies(db: psycopg.Connection) -> dict[object, tuple[str, str]]:
    return _by_fragment(
        db, "SELECT fragment_id, canonical_text::text, html_sanitized::text FROM fragment_json"
    )


def _expected(db: psycopg.Connection) -> dict[object, tuple[str, str]]:
    return _by_fragment(
        db, "SELECT id, to_json(canonical_text)::text, to_json(html_sanitized)::text FROM fragments"
    )


def test_the_copies_follow_every_insert_update_and_delete_of_a_fragment(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_0003")
    upgrade(url)
    with _connect(url) as db:
        first = _fragment(db, 0, TRICKY)
        second = _fragment(db, 1, "plain")
        copies = _copies(db)
        assert copies == _expected(db)
        assert json.loads(copies[first][0]) == TRICKY
        assert json.loads(copies[first][1]) == f"<p>{TRICKY}</p>"

        db.execute("UPDATE fragments SET canonical_text = 'changed' WHERE id = %s", (second,))
        assert json.loads(_copies(db)[second][0]) == "changed"
        db.execute("UPDATE fragments SET idx = 7 WHERE id = %s", (second,))  # texts untouched
        db.execute("DELETE FROM fragments WHERE id = %s", (first,))
        assert _copies(db) == _expected(db)
        assert first not in _copies(db)


def test_rebuild_repairs_missing_and_stale_copies_and_writes_nothing_when_current(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_0003")
    upgrade(url)
    with _connect(url) as db:
        kept, stale, missing = (_fragment(db, i, f"text {i}") for i in range(3))
        db.execute(
            "UPDATE fragment_json SET canonical_text = '\"old\"' WHERE fragment_id = %s", (stale,)
        )
        db.execute("DELETE FROM fragment_json WHERE fragment_id = %s", (missing,))
        # A bulk load with triggers off (as a restore or the benchmark's COPY does it).
        db.execute("SET session_replication_role = replica")
        unseen = _fragment(db, 3, TRICKY)
        db.execute("SET session_replication_role = DEFAULT")
        assert kept in _copies(db)
        assert unseen not in _copies(db)

        assert db.execute("SELECT rebuild_fragment_json()").fetchone()[0] == 3
        assert _copies(db) == _expected(db)
        assert db.execute("SELECT rebuild_fragment_json()").fetchone()[0] == 0


def test_0003_backfills_on_upgrade_and_reverts_cleanly(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_0003")
    upgrade(url, "0002_access_path_indexes")
    with _connect(url) as db:
        _fragment(db, 0, TRICKY)
    upgrade(url)
    with _connect(url) as db:
        assert len(_copies(db)) == 1
        assert _copies(db) == _expected(db)
    downgrade(url, "0002_access_path_indexes")
    with _connect(url) as db:
        leftovers = db.execute(
            "SELECT count(*) FROM pg_proc WHERE proname IN"
            " ('fragment_json_sync', 'rebuild_fragment_json')"
        ).fetchone()[0]
        assert leftovers == 0
        assert db.execute("SELECT to_regclass('fragment_json')").fetchone()[0] is None
        _fragment(db, 1, "after the downgrade")  # no trigger left to fail
