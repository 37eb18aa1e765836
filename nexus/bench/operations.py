"""What a load run sends: the benchmark's four read shapes (80 %, see READ_WEIGHTS) and
mutations by many users (20 %), each drawn with parameters that make sense for the user
sending it.

The read shapes are the benchmark harness's `queries/nexus/*.graphql`, copied so a run
needs nothing outside the repository.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from nexus.bench.dataset import Dataset

__all__ = ["EXPECTED_CODES", "Operation", "draw_operation"]

LIBRARY_LIST = """query LibraryList { viewer { libraries(first: 100) { edges { node {
  id name isDefault createdAt } } } } }"""
LIBRARY_PAGE = """query LibraryPage($library: ID!) { library(id: $library) { id name
  media(first: 50) { pageInfo { hasNextPage endCursor }
    edges { cursor addedAt node { id title kind processingStatus } } } } }"""
READER = """query Reader($media: ID!) { media(id: $media) { id title kind canonicalSourceUrl
  fragments(first: 100) { edges { node { idx htmlSanitized canonicalText } } } } }"""
# The reader with the viewer's own highlights of each fragment (20 per fragment at most:
# the cost limit counts 100 fragments x 20).
READER_HIGHLIGHTS = """query ReaderHighlights($media: ID!) { media(id: $media) { id title kind
  canonicalSourceUrl fragments(first: 100) { edges { node { idx htmlSanitized canonicalText
    highlights(first: 20) { edges { node { id startOffset endOffset color note } } } } } } } }"""
DEEP = """query Deep { viewer { libraries(first: 20) { edges { node { id name
  media(first: 20) { totalCount edges { node { id title
    fragments(first: 3) { edges { node { htmlSanitized } } } } } } } } } } }"""

CREATE = """mutation Create($input: CreateLibraryInput!) {
  createLibrary(input: $input) { library { id uuid } } }"""
RENAME = """mutation Rename($input: RenameLibraryInput!) {
  renameLibrary(input: $input) { library { id name updatedAt } } }"""
DELETE = """mutation Delete($input: DeleteLibraryInput!) {
  deleteLibrary(input: $input) { deletedLibraryId } }"""
ADD_MEDIA = """mutation AddMedia($input: AddMediaToLibraryInput!) {
  addMediaToLibrary(input: $input) { addedAt library { id } } }"""
REMOVE_MEDIA = """mutation RemoveMedia($input: RemoveMediaFromLibraryInput!) {
  removeMediaFromLibrary(input: $input) { removedMediaId } }"""
ADD_MEMBER = """mutation AddMember($input: AddLibraryMemberInput!) {
  addLibraryMember(input: $input) { membership { id role } } }"""

# How often each read shape is sent: deep (20 libraries x 20 media x 3 fragments, about
# 1 MB) is the stress shape of the benchmark, rare in a real client's traffic.
READ_WEIGHTS = {"library_list": 0.3, "library_page": 0.3, "reader": 0.3, "deep": 0.1}

# Concurrent runs act for the same users: a library deleted by one may be renamed by
# another, and media may already be gone. Anything else is a failure of the run.
EXPECTED_CODES = frozenset({"E_LIBRARY_NOT_FOUND", "E_MEDIA_NOT_FOUND"})


def gid(type_name: str, value: UUID) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    user: UUID
    query: str
    variables: dict[str, Any]
    # What to remember once it succeeds: ("created", user) or ("deleted", library).
    note: tuple[str, UUID] | None = None


def _read(rng: random.Random, data: Dataset, user: UUID) -> Operation:
    shape = rng.choices(list(READ_WEIGHTS), weights=list(READ_WEIGHTS.values()))[0]
    if shape == "reader" and data.readable[user]:
        media = gid("Media", rng.choice(data.readable[user]))
        return Operation(shape, user, READER, {"media": media})
    if shape == "library_page":
        library = gid("Library", data.default_library[user])
        return Operation(shape, user, LIBRARY_PAGE, {"library": library})
    if shape == "deep":
        return Operation(shape, user, DEEP, {})
    return Operation("library_list", user, LIBRARY_LIST, {})


def _mutation(rng: random.Random, data: Dataset, user: UUID) -> Operation:
    owned = data.owned[user]
    if not owned or rng.random() < 0.15:
        name = f"Load shelf {rng.randrange(10**6)}"
        return Operation("create", user, CREATE, {"input": {"name": name}}, ("created", user))
    library = rng.choice(owned)
    fields: dict[str, Any] = {"libraryId": gid("Library", library)}
    kind = rng.choice(["rename", "add_media", "add_media", "remove_media", "add_member", "delete"])
    if kind == "rename":
        fields["name"] = f"Renamed {rng.randrange(10**6)}"
        return Operation(kind, user, RENAME, {"input": fields})
    if kind == "add_media":
        fields["mediaId"] = gid("Media", rng.choice(data.media))
        return Operation(kind, user, ADD_MEDIA, {"input": fields})
    if kind == "remove_media":
        held = sorted(data.library_media.get(library, ())) or data.media
        fields["mediaId"] = gid("Media", rng.choice(held))
        return Operation(kind, user, REMOVE_MEDIA, {"input": fields})
    if kind == "add_member":
        fields["userId"] = gid("User", rng.choice(data.users))
        return Operation(kind, user, ADD_MEMBER, {"input": fields})
    return Operation(kind, user, DELETE, {"input": fields}, ("deleted", library))


def draw_operation(rng: random.Random, data: Dataset, *, mutation_share: float) -> Operation:
    """A read by a random user, or (with `mutation_share`) a mutation by one."""
    user = rng.choice(data.users)
    if rng.random() < mutation_share:
        return _mutation(rng, data, user)
    return _read(rng, data, user)
