"""Who may see what, each rule once, as SQL expressions every read and write composes.

The loaders, the mutations and (later) the compiled read path all take their visibility
from here, so a rule cannot drift between two copies:

- a library exists for a viewer iff the viewer is a member of it;
- a media item is readable iff it is in at least one library the viewer is a member of
  (fragments follow their media);
- a user is visible to the viewer iff it is the viewer or shares a library with them;
- a highlight is visible to its author while they can read its media, and to another
  viewer while both are members of one library that holds the media.

Every function takes the viewer id as a bound value (or expression) and the column of the
outer statement it constrains, and returns a boolean SQL expression or a subquery. Tables
inside are anonymous aliases correlated explicitly (`correlate_except`), so a rule never
correlates with the outer statement's own use of the same table by accident, and a column
of any enclosing level (a LATERAL parent) is referenced, never pulled into the FROM list.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Subquery,
    and_,
    bindparam,
    exists,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from nexus.db.tables import libraries, library_media, memberships

__all__ = [
    "VIEWER",
    "ViewerId",
    "can_read_media",
    "can_see_highlight",
    "can_see_user",
    "is_admin",
    "is_member",
    "member_library_ids",
    "viewer_memberships",
]

ViewerId = UUID | ColumnElement[UUID]

# The viewer as a bound parameter, for statements built once and run for every viewer
# (`nexus.db.statement_cache`): bind `viewer_id` when executing them.
VIEWER: BindParameter[UUID] = bindparam("viewer_id", type_=PG_UUID(as_uuid=True))


def member_library_ids(viewer_id: ViewerId) -> Select[tuple[UUID]]:
    """The ids of the libraries the viewer is a member of."""
    mine = memberships.alias()
    return select(mine.c.library_id).where(mine.c.user_id == viewer_id).correlate_except(mine)


def viewer_memberships(viewer_id: ViewerId) -> Subquery:
    """The viewer's memberships (library_id, role, created_at): join a library to it to
    keep only the libraries that exist for the viewer and learn the viewer's role."""
    mine = memberships.alias()
    return (
        select(mine.c.library_id, mine.c.role, mine.c.created_at)
        .where(mine.c.user_id == viewer_id)
        .correlate_except(mine)
        .subquery()
    )


def is_member(viewer_id: ViewerId, library_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    """The viewer is a member (of any role) of the library: the library exists for them."""
    mine = memberships.alias()
    return (
        exists()
        .where(mine.c.library_id == library_id, mine.c.user_id == viewer_id)
        .correlate_except(mine)
    )


def is_admin(viewer_id: ViewerId, library_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    """The viewer is an admin of the library: they may change it."""
    mine = memberships.alias()
    return (
        exists()
        .where(mine.c.library_id == library_id, mine.c.user_id == viewer_id, mine.c.role == "admin")
        .correlate_except(mine)
    )


def can_read_media(viewer_id: ViewerId, media_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    """The media is in at least one library the viewer is a member of.

    The viewer's default library is tried first: by the closure invariant it holds nearly
    everything the viewer can read (all but media they removed from it that a shared
    library still holds), and it costs three index probes where the general rule probes
    library_media once per membership (45 for the benchmark's heaviest viewers; a third of
    the reader's database time). The first branch is a special case of the second, so the
    disjunction is the rule itself. The second starts from the viewer's memberships (a
    handful of rows) rather than from the media's libraries: a popular media item sits in
    thousands of default libraries.
    """
    own, mine, held = libraries.alias(), memberships.alias(), library_media.alias()
    in_default_library = (
        exists()
        .where(
            own.c.owner_user_id == viewer_id,
            own.c.is_default,
            mine.c.library_id == own.c.id,
            mine.c.user_id == viewer_id,
            held.c.library_id == own.c.id,
            held.c.media_id == media_id,
        )
        .correlate_except(own, mine, held)
    )
    mine, held = memberships.alias(), library_media.alias()
    in_a_library = (
        exists()
        .where(
            mine.c.user_id == viewer_id,
            held.c.library_id == mine.c.library_id,
            held.c.media_id == media_id,
        )
        .correlate_except(mine, held)
    )
    return or_(in_default_library, in_a_library)


def can_see_user(viewer_id: ViewerId, user_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    """The user is the viewer, or both are members of at least one common library."""
    theirs, mine = memberships.alias(), memberships.alias()
    shares_a_library = (
        exists()
        .where(
            theirs.c.user_id == user_id,
            and_(mine.c.library_id == theirs.c.library_id, mine.c.user_id == viewer_id),
        )
        .correlate_except(theirs, mine)
    )
    return or_(user_id == viewer_id, shares_a_library)


def can_see_highlight(
    viewer_id: ViewerId,
    author_id: ColumnElement[UUID],
    media_id: ColumnElement[UUID],
    *,
    media_readable: bool = False,
) -> ColumnElement[bool]:
    """The viewer wrote the highlight and can read its media, or the viewer and its
    author are both members of one library that holds the media.

    `media_readable`: the caller already knows the viewer can read the media (a list
    under a fragment or media item the viewer reads), so the author's branch is the
    author test alone. The shared branch starts from the viewer's memberships, like
    `can_read_media`, and probes the author's membership and the library's media by key.
    """
    own = author_id == viewer_id
    if not media_readable:
        own = and_(own, can_read_media(viewer_id, media_id))
    mine, theirs, held = memberships.alias(), memberships.alias(), library_media.alias()
    shared = (
        exists()
        .where(
            mine.c.user_id == viewer_id,
            theirs.c.library_id == mine.c.library_id,
            theirs.c.user_id == author_id,
            held.c.library_id == mine.c.library_id,
            held.c.media_id == media_id,
        )
        .correlate_except(mine, theirs, held)
    )
    return or_(own, shared)
