"""On the resolver path a connection field's selection is read once per request and
field (whether it asks for `totalCount`, which long texts its nodes read): a field
written once in a fragment but merged with different siblings where it is spread is
still answered by what each place selects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nexus.config import Settings
from tests.factories import create_media, default_library_id, put_media
from tests.graphql.operations import library_gid, media_gid

T0 = datetime(2025, 1, 1, tzinfo=UTC)
LIBRARY_MEDIA = """
fragment Titles on Library { media(first: 5) { edges { node { title } } } }
query($id: ID!) {
  plain: library(id: $id) { ...Titles }
  counted: library(id: $id) { ...Titles media(first: 5) { totalCount } }
}
"""
FRAGMENT_TEXTS = """
fragment Indexes on Media { fragments(first: 5) { edges { node { idx } } } }
query($id: ID!) {
  plain: media(id: $id) { ...Indexes }
  texts: media(id: $id) { ...Indexes fragments(first: 5) { edges { node { canonicalText } } } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"nexus_compiled_reads": False})


async def test_a_merged_connection_counts_only_where_totalcount_is_selected(
    api, connection
) -> None:
    user = await api.new_user()
    library_id = await default_library_id(connection, user)
    for minutes, title in enumerate(("one", "two")):
        media_id = await create_media(connection, title=title)
        await put_media(connection, library_id, media_id, added_at=T0 + timedelta(minutes=minutes))
    data = await api.data(LIBRARY_MEDIA, {"id": library_gid(library_id)}, user=user)
    titles = [{"node": {"title": title}} for title in ("two", "one")]
    assert data["plain"] == {"media": {"edges": titles}}
    assert data["counted"] == {"media": {"edges": titles, "totalCount": 2}}


async def test_a_merged_connection_loads_the_texts_its_place_selects(api, connection) -> None:
    user = await api.new_user()
    library_id = await default_library_id(connection, user)
    media_id = await create_media(connection, title="T", fragment_count=2)
    await put_media(connection, library_id, media_id)
    data = await api.data(FRAGMENT_TEXTS, {"id": media_gid(media_id)}, user=user)
    assert data["plain"] == {"fragments": {"edges": [{"node": {"idx": i}} for i in (0, 1)]}}
    texts = [{"node": {"idx": i, "canonicalText": f"Paragraph {i} of T."}} for i in (0, 1)]
    assert data["texts"] == {"fragments": {"edges": texts}}
