"""Indexes for the API's access paths, chosen with EXPLAIN (ANALYZE, BUFFERS) on the
benchmark data set (2,000 users, 20,000 media, 1.2M library_media rows).

- memberships (user_id, library_id): the viewer's libraries, and every visibility probe
  (readable media, visible users) starts from the viewer's memberships; without it each
  is a sequential scan of memberships. Index-only for the probes.
- library_media (library_id, created_at DESC, media_id DESC): a library's media page in
  list order; the LATERAL top-N reads `first + 1` index entries per library (index-only,
  cursor as an index condition) instead of sorting a default library's thousands of
  rows, and counts become index-only scans.

library_media (media_id) was measured too and left out: no read path uses it (the
planner ignored it; readability goes from the viewer's few memberships to the primary
key), and it would cost every insert of the closure.

Revision ID: 0002_access_path_indexes
Revises: 0001_slice0_schema
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002_access_path_indexes"
down_revision = "0001_slice0_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_memberships_user_id_library_id ON memberships (user_id, library_id)"
    )
    op.execute(
        "CREATE INDEX ix_library_media_library_id_created_at_media_id "
        "ON library_media (library_id, created_at DESC, media_id DESC)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_library_media_library_id_created_at_media_id")
    op.execute("DROP INDEX ix_memberships_user_id_library_id")
