"""The pipeline's child processes: a child that dies fails its page as transient, and the
next page runs in a fresh child."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from nexus.ingest.errors import IngestError
from nexus.worker.extraction import PageExtractor
from tests.worker.pages import article_page

PAGE = article_page("Survivor")


async def test_a_killed_child_fails_its_page_as_transient_and_is_replaced() -> None:
    extractor = PageExtractor(processes=1)
    try:
        await extractor.start()
        [child] = multiprocessing.active_children()
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        with pytest.raises(IngestError) as failure:
            await extractor.build(PAGE, url="http://127.0.0.1/a", content_type="text/html")
        assert failure.value.transient
        article = await extractor.build(PAGE, url="http://127.0.0.1/a", content_type="text/html")
        assert "Paragraph 2 of Survivor" in article.canonical_text
    finally:
        extractor.close()
