"""The budgets here are the resolver path's: one statement per object or connection level.

The compiled read path answers a whole query with one statement and carries its own
budget tests; these pin the path they measure.
"""

from __future__ import annotations

import pytest

from nexus.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    if "nexus_compiled_reads" not in Settings.model_fields:  # before compiled reads exist
        return settings
    return settings.model_copy(update={"nexus_compiled_reads": False})
