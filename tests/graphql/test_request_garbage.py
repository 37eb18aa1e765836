"""A finished request leaves nothing it loaded to the cyclic garbage collector: its rows
are freed as soon as the response is built (they used to wait for a full collection,
which under load set the resolver path's peak memory)."""

from __future__ import annotations

import gc

import pytest

from nexus.config import Settings
from nexus.services.pagination import Page
from tests.factories import create_media, default_library_id, put_media

NESTED = """{ viewer { libraries(first: 5) { edges { node { name owner { uuid }
  media(first: 5) { totalCount edges { node { title
    fragments(first: 3) { edges { node { htmlSanitized } } } } } } } } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"nexus_compiled_reads": False})


async def test_a_resolver_path_request_leaves_no_loaded_rows_to_the_collector(
    api, connection
) -> None:
    user = await api.new_user()
    library_id = await default_library_id(connection, user)
    parents = {library_id}
    for _ in range(3):
        media_id = await create_media(connection, fragment_count=3)
        await put_media(connection, library_id, media_id)
        parents.add(media_id)
    await api.data(NESTED, user=user)  # plans, statements and caches warmed
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        data = await api.data(NESTED, user=user)
        gc.collect()
        # Only this request's pages: an app of an earlier test may be collected meanwhile.
        pages = [
            o
            for o in gc.garbage
            if isinstance(o, Page) and any(row.page_parent_id in parents for row in o.rows)
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert len(data["viewer"]["libraries"]["edges"][0]["node"]["media"]["edges"]) == 3
    assert pages == []
