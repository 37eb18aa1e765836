"""Migration 0005 (highlights): the rules hold in the database too (range, the end within
the fragment's text in code points, one highlight per author and exact range, colours,
note length), the fragment's and the user's highlights go with them; reversible."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from nexus.db.migrations import downgrade, upgrade


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture(scope="module")
def migrated_url(create_database: Callable[[str], str]) -> str:
    url = create_database("nexus_highlights")
    upgrade(url)
    return url


@pytest.fixture
def db(migrated_url: str) -> Iterator[psycopg.Connection]:
    """A connection in a transaction rolled back at the end (savepoints around failures)."""
    with _connect(migrated_url) as conn:
        conn.autocommit = False
        yield conn
        conn.rollback()


def _fragment_and_user(db: psycopg.Connection, text: str) -> tuple[object, object]:
    user = db.execute("INSERT INTO users DEFAULT VALUES RETURNING id").fetchone()[0]
    media = db.execute(
        "INSERT INTO media (kind, title) VALUES ('web_article', 'M') RETURNING id"
    ).fetchone()[0]
    fragment = db.execute(
        "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized)"
        " VALUES (%s, 0, %s, '<p>x</p>') RETURNING id",
        (media, text),
    ).fetchone()[0]
    return fragment, user


def _insert(db, fragment, user, start, end, **columns) -> None:
    names = ["fragment_id", "author_user_id", "start_offset", "end_offset", *columns]
    values = [fragment, user, start, end, *columns.values()]
    statement = sql.SQL("INSERT INTO highlights ({}) VALUES ({})").format(
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    # A savepoint: a refused insert leaves the test's transaction usable.
    with db.transaction():
        db.execute(statement, values)


@pytest.mark.parametrize(("start", "end"), [(2, 2), (3, 2), (-1, 1)])
def test_an_empty_reversed_or_negative_range_is_a_check_violation(db, start, end) -> None:
    fragment, user = _fragment_and_user(db, "a😀b")
    with pytest.raises(psycopg.errors.CheckViolation, match="ck_highlights_range"):
        _insert(db, fragment, user, start, end)


def test_the_end_is_checked_against_the_text_in_code_points(db) -> None:
    fragment, user = _fragment_and_user(db, "a😀b")
    _insert(db, fragment, user, 0, 3)
    with pytest.raises(psycopg.errors.CheckViolation, match="past the end") as inserted:
        _insert(db, fragment, user, 0, 4)
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="past the end") as updated,
        db.transaction(),
    ):
        db.execute("UPDATE highlights SET end_offset = 4")
    for refused in (inserted.value, updated.value):
        assert refused.diag.constraint_name == "ck_highlights_range_within_text"


def test_one_highlight_per_author_and_exact_range(db) -> None:
    fragment, user = _fragment_and_user(db, "Hello, world!")
    other = db.execute("INSERT INTO users DEFAULT VALUES RETURNING id").fetchone()[0]
    _insert(db, fragment, user, 0, 5)
    _insert(db, fragment, user, 0, 6)
    _insert(db, fragment, other, 0, 5)
    with pytest.raises(psycopg.errors.UniqueViolation, match="uq_highlights_author_range"):
        _insert(db, fragment, user, 0, 5)


@pytest.mark.parametrize(
    "columns", [{"color": "red"}, {"note": "n" * 10_001}], ids=["color", "note"]
)
def test_an_unknown_colour_or_a_long_note_is_a_check_violation(db, columns) -> None:
    fragment, user = _fragment_and_user(db, "Hello, world!")
    _insert(db, fragment, user, 0, 1, note="😀" * 10_000)
    with pytest.raises(psycopg.errors.CheckViolation):
        _insert(db, fragment, user, 0, 2, **columns)


def test_highlights_go_with_their_fragment_and_their_author(db) -> None:
    fragment, user = _fragment_and_user(db, "Hello, world!")
    _insert(db, fragment, user, 0, 5)
    db.execute("DELETE FROM fragments WHERE id = %s", (fragment,))
    fragment, user = _fragment_and_user(db, "Hello, world!")
    _insert(db, fragment, user, 0, 5)
    db.execute("DELETE FROM users WHERE id = %s", (user,))
    assert db.execute("SELECT count(*) FROM highlights").fetchone()[0] == 0


def test_downgrade_to_0004_removes_the_table_and_its_function(
    create_database: Callable[[str], str],
) -> None:
    url = create_database("nexus_highlights_down")
    upgrade(url)
    downgrade(url, "0004_saving_by_url")
    with _connect(url) as db:
        tables = {r[0] for r in db.execute("SELECT tablename FROM pg_tables").fetchall()}
        functions = db.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = 'highlights_range_within_text'"
        ).fetchone()[0]
    assert "highlights" not in tables
    assert functions == 0
    upgrade(url)
