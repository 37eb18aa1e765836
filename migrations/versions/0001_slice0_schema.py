"""The slice-0 schema of domain.md, exactly.

Revision ID: 0001_slice0_schema
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001_slice0_schema"
down_revision = None
branch_labels = None
depends_on = None

# gen_random_uuid() is built in from PostgreSQL 13; pgcrypto is only enabled where offered
# (some embedded builds ship without it).
ENABLE_PGCRYPTO = """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto') THEN
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
  END IF;
END
$$;
"""

TABLES = """
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE libraries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uix_libraries_one_default_per_user ON libraries (owner_user_id)
  WHERE is_default;
CREATE TABLE memberships (
  library_id uuid NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (library_id, user_id)
);
CREATE TABLE media (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL
    CHECK (kind IN ('web_article', 'epub', 'pdf', 'video', 'podcast_episode')),
  title text NOT NULL,
  canonical_source_url text,
  processing_status text NOT NULL DEFAULT 'pending'
    CHECK (processing_status IN
      ('pending', 'extracting', 'ready_for_reading', 'embedding', 'ready', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE fragments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  media_id uuid NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  idx integer NOT NULL,
  canonical_text text NOT NULL,
  html_sanitized text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (media_id, idx)
);
CREATE TABLE library_media (
  library_id uuid NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (library_id, media_id)
);
"""


def upgrade() -> None:
    op.execute(ENABLE_PGCRYPTO)
    op.execute(TABLES)


def downgrade() -> None:
    op.execute("DROP TABLE library_media, fragments, media, memberships, libraries, users")
