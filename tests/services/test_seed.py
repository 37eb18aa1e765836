"""`nexus seed`: sample articles in the dev user's default library, seen through the API."""

from __future__ import annotations

from nexus.auth.local_keys import DEV_USER_ID
from nexus.db.engine import Database
from nexus.services.sample_articles import SAMPLE_ARTICLES
from nexus.services.seed import seed_sample_data
from tests.factories import create_media, default_library_id, put_media

READER = """{ viewer { defaultLibrary { name media(first: 20) { totalCount edges { node {
  title kind canonicalSourceUrl processingStatus
  fragments { totalCount edges { node { idx htmlSanitized canonicalText } } }
} } } } } }"""


async def test_seed_loads_sanitized_articles_into_the_dev_user_default_library(
    api, connection
) -> None:
    added = await seed_sample_data(database=Database.pinned_to(connection), only_if_empty=True)
    assert added == len(SAMPLE_ARTICLES)
    library = (await api.data(READER, user=DEV_USER_ID))["viewer"]["defaultLibrary"]
    assert library["name"] == "My Library"
    assert library["media"]["totalCount"] == len(SAMPLE_ARTICLES)
    media = {edge["node"]["title"]: edge["node"] for edge in library["media"]["edges"]}
    assert set(media) == {article.title for article in SAMPLE_ARTICLES}
    for article in SAMPLE_ARTICLES:
        item = media[article.title]
        assert item["kind"] == "WEB_ARTICLE"
        assert item["processingStatus"] == "READY_FOR_READING"
        assert item["canonicalSourceUrl"] == article.url
        fragments = [edge["node"] for edge in item["fragments"]["edges"]]
        assert item["fragments"]["totalCount"] == len(article.paragraphs) >= 3
        assert [f["idx"] for f in fragments] == list(range(len(article.paragraphs)))
        for fragment in fragments:
            html = fragment["htmlSanitized"]
            assert html.startswith("<p>")
            assert "<script" not in html
            assert "onclick" not in html
            assert "<" not in fragment["canonicalText"]
            assert fragment["canonicalText"]


async def test_seeding_again_changes_nothing(api, connection) -> None:
    database = Database.pinned_to(connection)
    await seed_sample_data(database=database, only_if_empty=False)
    first = await api.data(READER, user=DEV_USER_ID)
    assert await seed_sample_data(database=database, only_if_empty=False) == 0
    assert await api.data(READER, user=DEV_USER_ID) == first


async def test_seeding_only_if_empty_skips_a_library_that_holds_media(api, connection) -> None:
    await api.data("{ viewer { user { uuid } } }", user=DEV_USER_ID)
    own = await create_media(connection, title="Mine")
    await put_media(connection, await default_library_id(connection, DEV_USER_ID), own)
    assert await seed_sample_data(database=Database.pinned_to(connection), only_if_empty=True) == 0
    library = (await api.data(READER, user=DEV_USER_ID))["viewer"]["defaultLibrary"]
    assert [edge["node"]["title"] for edge in library["media"]["edges"]] == ["Mine"]
