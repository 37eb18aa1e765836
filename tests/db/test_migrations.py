"""Migrations on their own databases: up, down, and the constraints 0001 must enforce."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from nexus.db.migrations import downgrade, upgrade

OUR_TABLES = {
    "users",
    "libraries",
    "memberships",
    "media",
    "fragments",
    "library_media",
    "fragment_json",
    # 0004: procrastinate's job queue
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
    # 0005
    "highlights",
}


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _tables(url: str) -> set[str]:
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


@pytest.fixture(scope="module")
def migrated_url(create_database: Callable[[str], str]) -> str:
    url = create_database("nexus_migrations")
    upgrade(url)
    return url


@pytest.fixture
def db(migrated_url: str) -> Iterator[psycopg.Connection]:
    with _connect(migrated_url) as conn:
        conn.autocommit = False
        yield conn
        conn.rollback()


def test_upgrade_head_on_an_empty_database_creates_the_schema(migrated_url: str) -> None:
    assert _tables(migrated_url) == OUR_TABLES | {"alembic_version"}


def test_downgrade_base_leaves_no_table_behind(create_database: Callable[[str], str]) -> None:
    url = create_database("nexus_downgrade")
    upgrade(url)
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url)
    assert _tables(url) == OUR_TABLES | {"alembic_version"}


def _user(db: psycopg.Connection) -> object:
    return db.execute("INSERT INTO users DEFAULT VALUES RETURNING id").fetchone()[0]


def _library(db: psycopg.Connection, owner: object, *, default: bool = False) -> object:
    return db.execute(
        "INSERT INTO libraries (owner_user_id, name, is_default) VALUES (%s, 'L', %s) RETURNING id",
        (owner, default),
    ).fetchone()[0]


def test_a_second_default_library_per_user_is_rejected(db: psycopg.Connection) -> None:
    owner = _user(db)
    _library(db, owner, default=True)
    _library(db, owner)
    with pytest.raises(psycopg.errors.UniqueViolation, match="uix_libraries_one_default_per_user"):
        _library(db, owner, default=True)


def test_a_duplicate_membership_is_rejected(db: psycopg.Connection) -> None:
    owner = _user(db)
    library = _library(db, owner)
    insert = "INSERT INTO memberships (library_id, user_id, role) VALUES (%s, %s, 'admin')"
    db.execute(insert, (library, owner))
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(insert, (library, owner))


def test_an_invalid_role_is_rejected(db: psycopg.Connection) -> None:
    owner = _user(db)
    library = _library(db, owner)
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO memberships (library_id, user_id, role) VALUES (%s, %s, 'owner')",
            (library, owner),
        )


@pytest.mark.parametrize(
    ("kind", "status"), [("book", "pending"), ("web_article", "done")], ids=["kind", "status"]
)
def test_an_invalid_kind_or_processing_status_is_rejected(
    db: psycopg.Connection, kind: str, status: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO media (kind, title, processing_status) VALUES (%s, 't', %s)",
            (kind, status),
        )


def test_valid_media_get_pending_status_by_default(db: psycopg.Connection) -> None:
    status = db.execute(
        "INSERT INTO media (kind, title) VALUES ('pdf', 't') RETURNING processing_status"
    ).fetchone()[0]
    assert status == "pending"


@pytest.mark.parametrize("length", [0, 101])
def test_library_names_of_0_or_101_characters_are_rejected(
    db: psycopg.Connection, length: int
) -> None:
    owner = _user(db)
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO libraries (owner_user_id, name) VALUES (%s, %s)", (owner, "x" * length)
        )


@pytest.mark.parametrize("length", [1, 100])
def test_library_names_of_1_to_100_characters_are_accepted(
    db: psycopg.Connection, length: int
) -> None:
    owner = _user(db)
    db.execute("INSERT INTO libraries (owner_user_id, name) VALUES (%s, %s)", (owner, "é" * length))
