"""Saving articles by URL: the media columns processing fills, and the job queue.

Media gain what a saved web article needs (reading.md, Saving and Processing): the URL as
the user gave it, who saved it first, the extracted facts, the attempts and the last
failure. A unique index on the canonical URL of web articles makes two concurrent saves
of one URL one media item without a lock; a partial index serves the per-viewer limit on
saves still in progress.

The job queue is procrastinate's, on this same PostgreSQL, so a save queues its job in the
transaction that creates the media (a row never exists without its job, nor a job without
its row). Its schema is procrastinate's own `schema.sql` of the pinned version
(pyproject.toml pins the minor version; a later version's delta migrations go into a new
revision here). The 0001 tables stay as they are.

Revision ID: 0004_saving_by_url
Revises: 0003_fragment_json
Create Date: 2026-12-06
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0004_saving_by_url"
down_revision = "0003_fragment_json"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE media
            ADD COLUMN requested_url text,
            ADD COLUMN created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
            ADD COLUMN author text,
            ADD COLUMN site_name text,
            ADD COLUMN published_at timestamptz,
            ADD COLUMN language text,
            ADD COLUMN excerpt text,
            ADD COLUMN word_count integer NOT NULL DEFAULT 0
                CONSTRAINT ck_media_word_count CHECK (word_count >= 0),
            ADD COLUMN processing_attempts integer NOT NULL DEFAULT 0
                CONSTRAINT ck_media_processing_attempts CHECK (processing_attempts >= 0),
            ADD COLUMN processing_error_code text,
            ADD COLUMN processing_error_message text,
            ADD CONSTRAINT ck_media_processing_error CHECK (
                (processing_error_code IS NULL) = (processing_error_message IS NULL)
                AND (processing_error_code IS NULL OR processing_status = 'failed')
            )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX uix_media_web_article_canonical_url "
        "ON media (canonical_source_url) WHERE kind = 'web_article'"
    )
    op.execute(
        "CREATE INDEX ix_media_in_progress_by_creator ON media (created_by_user_id) "
        "WHERE processing_status IN ('pending', 'extracting')"
    )
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    op.execute(
        """
        DO $$
        DECLARE name text;
        BEGIN
            FOR name IN
                SELECT p.oid::regprocedure::text FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || name || ' CASCADE';
            END LOOP;
        END $$
        """
    )
    op.execute(
        "DROP TABLE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
        "procrastinate_workers"
    )
    op.execute(
        "DROP TYPE procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
        "procrastinate_job_status"
    )
    op.execute("DROP INDEX ix_media_in_progress_by_creator")
    op.execute("DROP INDEX uix_media_web_article_canonical_url")
    op.execute(
        """
        ALTER TABLE media
            DROP CONSTRAINT ck_media_processing_error,
            DROP COLUMN processing_error_message,
            DROP COLUMN processing_error_code,
            DROP COLUMN processing_attempts,
            DROP COLUMN word_count,
            DROP COLUMN excerpt,
            DROP COLUMN language,
            DROP COLUMN published_at,
            DROP COLUMN site_name,
            DROP COLUMN author,
            DROP COLUMN created_by_user_id,
            DROP COLUMN requested_url
        """
    )
