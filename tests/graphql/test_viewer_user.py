"""`Query.viewer` (nexus/graphql/types/viewer.py): the token's subject, and nothing else,
with the default library made on the first request."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from nexus.db.tables import libraries, users
from tests.helpers import Api
from tests.identity import IdentityProvider


async def test_viewer_user_is_the_token_subject(api: Api, connection: AsyncConnection) -> None:
    user = uuid4()
    data = await api.data("{ viewer { user { id uuid createdAt } } }", user=user)
    viewer = data["viewer"]["user"]
    assert viewer["uuid"] == str(user)
    assert base64.b64decode(viewer["id"]).decode() == f"User:{user}"
    created_at = (
        await connection.execute(select(users.c.created_at).where(users.c.id == user))
    ).scalar_one()
    assert datetime.fromisoformat(viewer["createdAt"]) == created_at


async def test_viewer_cannot_be_set_by_the_request(api: Api, identity: IdentityProvider) -> None:
    user, someone_else = uuid4(), uuid4()
    response = await api.http.post(
        "/graphql",
        json={
            "query": "{ viewer { user { uuid } } }",
            "variables": {"sub": str(someone_else), "userId": str(someone_else)},
            "extensions": {"viewerId": str(someone_else)},
        },
        headers={
            "Authorization": f"Bearer {identity.token(user)}",
            "X-User-Id": str(someone_else),
            "X-Forwarded-User": str(someone_else),
            "Cookie": f"user_id={someone_else}",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["data"] == {"viewer": {"user": {"uuid": str(user)}}}


async def test_default_library_is_readable_in_the_very_first_request(
    api: Api, connection: AsyncConnection
) -> None:
    # Ensured before any resolver runs, so the request that creates it can read it.
    user = uuid4()
    data = await api.data(
        "{ viewer { defaultLibrary { uuid name isDefault viewerRole owner { uuid } } } }",
        user=user,
    )
    library = data["viewer"]["defaultLibrary"]
    assert {k: v for k, v in library.items() if k != "uuid"} == {
        "name": "My Library",
        "isDefault": True,
        "viewerRole": "ADMIN",
        "owner": {"uuid": str(user)},
    }
    owned = await connection.execute(
        select(libraries.c.id).where(libraries.c.owner_user_id == user, libraries.c.is_default)
    )
    assert [str(row.id) for row in owned] == [library["uuid"]]
