"""Highlights: a reader's ranges of a fragment's canonical text, with a colour and a note.

The rules of reading.md (Highlights) hold in the database too, not only in the service:
the range is half-open over code points with 0 <= start < end (a CHECK), and end is at
most the fragment's text length (a trigger: the length lives in another table, and
canonical texts never change once written, so checking on write is enough); one author
has one highlight per exact range of a fragment (a unique constraint: concurrent creates
of one range meet there); colours and note lengths are checked. A fragment's highlights
go with it, and a user's with them.

Indexes: the unique constraint (fragment, author, start, end) serves the viewer's own
highlights of a fragment in list order; (fragment, start, end, created_at, id) serves
everyone's in list order; (author) serves the cascade when a user is deleted.

Revision ID: 0005_highlights
Revises: 0004_saving_by_url
Create Date: 2026-12-06
"""

from alembic import op

revision = "0005_highlights"
down_revision = "0004_saving_by_url"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE highlights (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            fragment_id uuid NOT NULL REFERENCES fragments (id) ON DELETE CASCADE,
            author_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            start_offset integer NOT NULL,
            end_offset integer NOT NULL,
            color text NOT NULL DEFAULT 'yellow',
            note text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_highlights_range CHECK (0 <= start_offset AND start_offset < end_offset),
            CONSTRAINT ck_highlights_color
                CHECK (color IN ('yellow', 'green', 'blue', 'pink', 'purple')),
            CONSTRAINT ck_highlights_note_length CHECK (char_length(note) <= 10000),
            CONSTRAINT uq_highlights_author_range
                UNIQUE (fragment_id, author_user_id, start_offset, end_offset)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_highlights_fragment_order "
        "ON highlights (fragment_id, start_offset, end_offset, created_at, id)"
    )
    op.execute("CREATE INDEX ix_highlights_author ON highlights (author_user_id)")
    op.execute(
        """
        CREATE FUNCTION highlights_range_within_text() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.end_offset > (
                SELECT char_length(canonical_text) FROM fragments WHERE id = NEW.fragment_id
            ) THEN
                RAISE EXCEPTION 'highlight range past the end of its fragment''s text'
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'ck_highlights_range_within_text';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER tg_highlights_range_within_text "
        "BEFORE INSERT OR UPDATE OF fragment_id, start_offset, end_offset ON highlights "
        "FOR EACH ROW EXECUTE FUNCTION highlights_range_within_text()"
    )


def downgrade() -> None:
    op.execute("DROP TABLE highlights")
    op.execute("DROP FUNCTION highlights_range_within_text()")
