"""The compiled path reads `json` as raw bytes on its own cursor only: the pooled
connection it ran on goes on to serve other reads with psycopg's default loaders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from nexus.app import create_app
from nexus.config import Settings
from nexus.db.engine import Database, create_engine
from tests.helpers import Api, lifespan, truncate_everything
from tests.identity import IdentityProvider

QUERY = "{ viewer { libraries(first: 5) { totalCount edges { node { name } } } } }"


async def test_a_compiled_read_leaves_its_connection_loading_json_by_default(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> None:
    assert settings.database_url is not None
    database = Database(create_engine(settings.database_url, pool_size=1))
    app = create_app(settings, database=database)
    reads = app.app.state.compiled_reads  # type: ignore[attr-defined]
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            user = await api.new_user()
            answered = reads.answered
            data = await api.data(QUERY, user=user)
            assert data["viewer"]["libraries"]["totalCount"] == 1
            assert reads.answered == answered + 1  # the compiled path answered
            async with database.driver_connection() as connection:
                [row] = await connection.fetch(
                    """SELECT '{"a": [1]}'::json AS j, '{"b": 2}'::jsonb AS jb""", {}
                )
            assert (row.j, row.jb) == ({"a": [1]}, {"b": 2})
            assert database.read_pool.opened == 1  # the very connection the compiled read used
    finally:
        await truncate_everything(engine)
