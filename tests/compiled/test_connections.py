"""The planner's expectations of a connection or edge field are checks of their own: a
field that breaks them is not compiled (the resolver path answers it), under `python -O`
too."""

from __future__ import annotations

import pytest
from graphql import GraphQLField, GraphQLNonNull, GraphQLString

from nexus.compiled.connections import PlannerBase
from nexus.compiled.selection import CollectedField, NotCompilableError


def test_typename_is_not_an_object_field() -> None:
    typename = CollectedField("__typename", "__typename", (), None)
    with pytest.raises(NotCompilableError, match="__typename"):
        PlannerBase.object_field(typename)


def test_a_scalar_field_is_not_an_object_field() -> None:
    title = CollectedField("title", "title", (), GraphQLField(GraphQLNonNull(GraphQLString)))
    with pytest.raises(NotCompilableError, match="title"):
        PlannerBase.object_field(title)
