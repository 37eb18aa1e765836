"""Compiled reads: a query operation answered by ONE SQL statement that builds its JSON.

`planner` turns an operation into the statement (from `catalog`, the mapping of the
schema's fields onto the services' row sources and paged lists), `plans` caches plans,
`arguments` binds each request's arguments and `runner` answers the request or hands it
to the resolver path.
"""

from nexus.compiled.runner import CompiledReads

__all__ = ["CompiledReads"]
