"""Response media type negotiation of the GraphQL-over-HTTP spec."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["GRAPHQL_RESPONSE_JSON", "JSON", "wants_graphql_response_json", "wants_html"]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def _accepted(accept: str) -> dict[str, float]:
    """Media ranges of an Accept header with their q-values (q=0 ranges dropped)."""
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges[media.lower()] = max(quality, ranges.get(media.lower(), 0.0))
    return ranges


# Clients send a handful of distinct Accept headers, each request again: parse each once.
@lru_cache(maxsize=128)
def wants_graphql_response_json(accept: str | None) -> bool:
    """True when the client listed application/graphql-response+json at least as high as
    application/json. A missing Accept or `*/*` gets the legacy application/json."""
    if not accept:
        return False
    ranges = _accepted(accept)
    preferred = ranges.get(GRAPHQL_RESPONSE_JSON)
    return preferred is not None and preferred >= ranges.get(JSON, 0.0)


@lru_cache(maxsize=128)
def wants_html(accept: str | None) -> bool:
    """A browser navigating to the endpoint (GraphiQL), not a GraphQL client."""
    if not accept:
        return False
    ranges = _accepted(accept)
    return "text/html" in ranges and ranges["text/html"] >= ranges.get(JSON, 0.0)
