"""JSON as RFC 8259 defines it, for request bodies and GET parameters.

Python's parser also accepts NaN and Infinity, and `\\ud800`-style escapes that leave a
lone UTF-16 surrogate in a string: such a string cannot be encoded back to UTF-8 (for
the response, or for PostgreSQL), so it would fail far from where it came in. Both are
refused here, at the door.
"""

from __future__ import annotations

import json
import re

__all__ = ["loads_strict"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _holds_lone_surrogate(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def loads_strict(text: str | bytes) -> object:
    """Parse JSON; raise ValueError for anything RFC 8259 does not allow or UTF-8 cannot
    carry, and RecursionError for values nested past the parser's recursion limit."""
    value = json.loads(text, parse_constant=_refuse_constant)
    if _holds_lone_surrogate(value):
        raise ValueError("a string holds a lone UTF-16 surrogate")
    return value
