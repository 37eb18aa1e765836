"""Apollo Client 4 on Node against `nexus serve` (schema/e2e/apollo.ts): every operation of
schema/operations, fetchMore over relay connections, cache normalization, error codes as an
app reads them, and automatic persisted queries. The data is seeded here with SQL."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest

from tests.e2e.conftest import Served, run_node
from tests.identity import IdentityProvider

pytestmark = pytest.mark.e2e

LIBRARY_MEDIA = 11
READER_FRAGMENTS = 12


def global_id(type_name: str, uuid: UUID) -> str:
    return base64.b64encode(f"{type_name}:{uuid}".encode()).decode()


@dataclass(frozen=True)
class Seeded:
    user_a: UUID
    user_b: UUID
    user_c: UUID
    default_a: UUID
    shared: UUID
    media_order: list[UUID]
    reader_media: UUID
    other_media: UUID


def seed(database_url: str) -> Seeded:
    """A owns a default library of 11 articles (the first with 12 fragments) and a library
    shared with B as MEMBER holding 3 of them (also in B's default library, as the closure
    rule wants); C has signed in; one more article is in nobody's library."""
    users = {name: uuid4() for name in "abc"}
    defaults = {name: uuid4() for name in "abc"}
    shared = uuid4()
    media = [uuid4() for _ in range(LIBRARY_MEDIA + 1)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as db:
        for name, user in users.items():
            db.execute("INSERT INTO users (id) VALUES (%s)", (user,))
            db.execute(
                "INSERT INTO libraries (id, owner_user_id, name, is_default) "
                "VALUES (%s, %s, 'My Library', true)",
                (defaults[name], user),
            )
            db.execute(
                "INSERT INTO memberships (library_id, user_id, role) VALUES (%s, %s, 'admin')",
                (defaults[name], user),
            )
        db.execute(
            "INSERT INTO libraries (id, owner_user_id, name, created_at, updated_at) "
            "VALUES (%s, %s, 'Shared reading', now() + interval '1 second', now())",
            (shared, users["a"]),
        )
        db.execute(
            "INSERT INTO memberships (library_id, user_id, role, created_at) "
            "VALUES (%s, %s, 'admin', now()), (%s, %s, 'member', now() + interval '1 second')",
            (shared, users["a"], shared, users["b"]),
        )
        for index, item in enumerate(media):
            db.execute(
                "INSERT INTO media (id, kind, title, canonical_source_url, processing_status) "
                "VALUES (%s, 'web_article', %s, %s, 'ready_for_reading')",
                (item, f"Article {index:02}", f"https://example.org/articles/{index}"),
            )
        for index, item in enumerate(media[:LIBRARY_MEDIA]):
            added = start + timedelta(minutes=index)
            db.execute(
                "INSERT INTO library_media (library_id, media_id, created_at) VALUES (%s, %s, %s)",
                (defaults["a"], item, added),
            )
            if index < 3:
                for library in (shared, defaults["b"]):
                    db.execute(
                        "INSERT INTO library_media (library_id, media_id, created_at) "
                        "VALUES (%s, %s, %s)",
                        (library, item, added),
                    )
        for idx in range(READER_FRAGMENTS):
            db.execute(
                "INSERT INTO fragments (media_id, idx, canonical_text, html_sanitized) "
                "VALUES (%s, %s, %s, %s)",
                (media[0], idx, f"Paragraph {idx}.", f"<p>Paragraph {idx}.</p>"),
            )
    return Seeded(
        user_a=users["a"],
        user_b=users["b"],
        user_c=users["c"],
        default_a=defaults["a"],
        shared=shared,
        media_order=list(reversed(media[:LIBRARY_MEDIA])),
        reader_media=media[0],
        other_media=media[LIBRARY_MEDIA],
    )


def test_apollo_client_against_the_served_api(
    test_server: Served, identity: IdentityProvider, codegen: None, pages: str
) -> None:
    seeded = seed(test_server.database_url)
    code, output = run_node(
        "e2e/apollo.ts",
        {
            "NEXUS_URL": test_server.graphql,
            "TOKEN_A": identity.token(seeded.user_a),
            "TOKEN_B": identity.token(seeded.user_b),
            "USER_A": str(seeded.user_a),
            "USER_C": global_id("User", seeded.user_c),
            "LIBRARY_DEFAULT": global_id("Library", seeded.default_a),
            "LIBRARY_SHARED": global_id("Library", seeded.shared),
            "MEDIA_ORDER": json.dumps([global_id("Media", m) for m in seeded.media_order]),
            "READER_MEDIA": global_id("Media", seeded.reader_media),
            "READER_FRAGMENTS": str(READER_FRAGMENTS),
            "OTHER_MEDIA": global_id("Media", seeded.other_media),
            "PAGE_URL": f"http://{pages}/article",
            "MISSING_PAGE_URL": f"http://{pages}/missing",
        },
    )
    print(output)
    summary = re.search(r"^(\d+) passed, (\d+) failed$", output, re.MULTILINE)
    assert summary, f"{output}\n{test_server.log_tail()}"
    assert (int(summary[1]), int(summary[2])) == (19, 0), f"{output}\n{test_server.log_tail()}"
    assert code == 0
