"""Small test helpers: an HTTP client that speaks GraphQL as a user, and a SQL counter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message

from nexus.app import create_app
from nexus.config import Settings
from tests.identity import IdentityProvider


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol around a block (httpx's transport does not)."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        await outbox.put(message)

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


class Api:
    """Posts GraphQL to the app as a given user (a real token from the test provider)."""

    def __init__(self, client: httpx.AsyncClient, identity: IdentityProvider) -> None:
        self.http = client
        self.identity = identity

    @classmethod
    @asynccontextmanager
    async def over(cls, app: ASGIApp, identity: IdentityProvider) -> AsyncIterator[Api]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield cls(client, identity)

    def headers(self, user: UUID | None) -> dict[str, str]:
        return {} if user is None else {"Authorization": f"Bearer {self.identity.token(user)}"}

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: UUID | None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.http.post(
            "/graphql", json=body, headers={**self.headers(user), **(headers or {})}
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, user: UUID
    ) -> dict[str, Any]:
        """The response body of a request that must be a 200 with a JSON body."""
        response = await self.post(query, variables, user=user)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, user: UUID
    ) -> dict[str, Any]:
        """The `data` of a request that must succeed without errors."""
        body = await self.gql(query, variables, user=user)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def new_user(self) -> UUID:
        """A user who has signed in once (so they exist, with their default library)."""
        user = uuid4()
        await self.data("{ viewer { user { uuid } } }", user=user)
        return user


async def truncate_everything(engine: AsyncEngine) -> None:
    """Remove what a test that commits for real left behind."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE users, libraries, memberships, media, fragments, fragment_json,"
                " library_media, highlights, procrastinate_jobs CASCADE"
            )
        )


# Set while the differential shadow (tests/compiled/shadow.py) asks its resolver-path twin
# the same question: the twin's statements are not the ones a test counts.
SHADOWING: ContextVar[bool] = ContextVar("shadowing", default=False)


class StatementCounter:
    """Counts the SQL statements the engine sends (savepoint bookkeeping excluded)."""

    IGNORED_PREFIXES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if SHADOWING.get():
            return
        if not statement.lstrip().upper().startswith(self.IGNORED_PREFIXES):
            self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


@asynccontextmanager
async def committed_app(
    settings: Settings, identity: IdentityProvider, engine: AsyncEngine
) -> AsyncIterator[Api]:
    """The app of `settings` over its own pools, committing for real (for tests that race
    concurrent requests or watch the read pool); everything is truncated afterwards."""
    app = create_app(settings)
    try:
        async with lifespan(app), Api.over(app, identity) as api:
            yield api
    finally:
        await truncate_everything(engine)
