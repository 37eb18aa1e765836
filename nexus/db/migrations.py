"""Alembic, driven from code: upgrade, downgrade and "is this database at head?"."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["alembic_config", "downgrade", "head_revision", "is_at_head", "upgrade"]

# An installed wheel carries its scripts as nexus/_migrations (hatch_build.py); a checkout
# (and its editable install) reads migrations/, their source of truth.
_PACKAGED = Path(__file__).resolve().parents[1] / "_migrations"
_CHECKOUT = Path(__file__).resolve().parents[2] / "migrations"
MIGRATIONS_DIR = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%'; a password may contain one.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def is_at_head(connection: AsyncConnection) -> bool:
    """True when the database's recorded revision is the code's head revision."""

    def current(sync_connection: object) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()  # type: ignore[arg-type]

    return await connection.run_sync(current) == head_revision()
