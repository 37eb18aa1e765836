"""`nexus seed` gives the dev user a few highlights on the sample articles, once."""

from __future__ import annotations

from nexus.auth.local_keys import DEV_USER_ID
from nexus.db.engine import Database
from nexus.services.seed import seed_sample_data

HIGHLIGHTS = """{ viewer { defaultLibrary { media(first: 20) { edges { node { title
  highlights { totalCount edges { node { exact color note isOwner fragment { canonicalText } } } }
} } } } } }"""


async def _highlights(api) -> list[dict]:
    data = await api.data(HIGHLIGHTS, user=DEV_USER_ID)
    edges = data["viewer"]["defaultLibrary"]["media"]["edges"]
    return [h["node"] for e in edges for h in e["node"]["highlights"]["edges"]]


async def test_seed_highlights_the_first_articles_and_seeding_again_adds_none(
    api, connection
) -> None:
    database = Database.pinned_to(connection)
    await seed_sample_data(database=database, only_if_empty=False)
    highlights = await _highlights(api)
    assert len(highlights) == 9
    assert {h["color"] for h in highlights} == {"YELLOW", "GREEN", "PINK"}
    assert sum(h["note"] == "Worth coming back to." for h in highlights) == 3
    for highlight in highlights:
        assert highlight["isOwner"] is True
        assert highlight["fragment"]["canonicalText"].startswith(highlight["exact"])
    await seed_sample_data(database=database, only_if_empty=False)
    assert await _highlights(api) == highlights
