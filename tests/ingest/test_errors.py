"""IngestError crosses process boundaries (the worker extracts in child processes)."""

from __future__ import annotations

import pickle

import pytest

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError


@pytest.mark.parametrize("transient", [True, False])
def test_an_ingest_error_survives_pickling(transient: bool) -> None:
    error = IngestError(ErrorCode.E_INGEST_TIMEOUT, "The page took too long.", transient=transient)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copy.code, copy.message, copy.transient) == (error.code, error.message, transient)
    assert str(copy) == "The page took too long."
