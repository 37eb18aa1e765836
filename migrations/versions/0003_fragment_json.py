"""fragment_json: each fragment's two texts kept as JSON strings, for the compiled reads.

A compiled read has PostgreSQL build the response's JSON, and PostgreSQL 15 escapes text
into JSON one character at a time: for the reader (a media's fragments, about 38 KB of
HTML and text) that was a quarter of the statement's time (0.41 -> 0.33 ms in pgbench on
the benchmark data with the texts read from here instead). A `json` value is written into
a JSON result as it is, so these copies cost a copy, not an escaping.

The copy is derived, never written by the API: a trigger keeps it equal to
`to_json(text)` on every insert and update of a fragment's texts, the foreign key drops
it with its fragment, and `rebuild_fragment_json()` recomputes it all after a bulk load
that bypassed triggers (`nexus rebuild-derived`; it writes only the copies that differ
and takes no lock beyond the rows it writes). Readers fall back to escaping the text
when a copy is missing, so a missing copy is only slower. The 0001 tables stay as they are.

Revision ID: 0003_fragment_json
Revises: 0002_access_path_indexes
Create Date: 2026-12-02
"""

from alembic import op

revision = "0003_fragment_json"
down_revision = "0002_access_path_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE fragment_json (
            fragment_id uuid PRIMARY KEY
                REFERENCES fragments (id) ON DELETE CASCADE ON UPDATE CASCADE,
            canonical_text json NOT NULL,
            html_sanitized json NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE FUNCTION fragment_json_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO fragment_json (fragment_id, canonical_text, html_sanitized)
            VALUES (NEW.id, to_json(NEW.canonical_text), to_json(NEW.html_sanitized))
            ON CONFLICT (fragment_id) DO UPDATE
                SET canonical_text = excluded.canonical_text,
                    html_sanitized = excluded.html_sanitized;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER fragment_json_sync
            AFTER INSERT OR UPDATE OF canonical_text, html_sanitized ON fragments
            FOR EACH ROW EXECUTE FUNCTION fragment_json_sync()
        """
    )
    op.execute(
        """
        CREATE FUNCTION rebuild_fragment_json() RETURNS bigint LANGUAGE sql AS $$
            WITH written AS (
                INSERT INTO fragment_json (fragment_id, canonical_text, html_sanitized)
                SELECT id, to_json(canonical_text), to_json(html_sanitized) FROM fragments
                ON CONFLICT (fragment_id) DO UPDATE
                    SET canonical_text = excluded.canonical_text,
                        html_sanitized = excluded.html_sanitized
                    WHERE fragment_json.canonical_text::text
                            IS DISTINCT FROM excluded.canonical_text::text
                       OR fragment_json.html_sanitized::text
                            IS DISTINCT FROM excluded.html_sanitized::text
                RETURNING 1
            )
            SELECT count(*) FROM written
        $$
        """
    )
    op.execute("SELECT rebuild_fragment_json()")


def downgrade() -> None:
    op.execute("DROP FUNCTION rebuild_fragment_json()")
    op.execute("DROP TRIGGER fragment_json_sync ON fragments")
    op.execute("DROP FUNCTION fragment_json_sync()")
    op.execute("DROP TABLE fragment_json")
