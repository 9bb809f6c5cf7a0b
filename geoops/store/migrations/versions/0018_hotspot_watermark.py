"""Detection passes claim new hotspots above a watermark instead of marking each one seen.

Marking the 5,000-7,000 hotspots of a pass seen (``detected_at``) rewrote every row: the
column is in the predicate of the partial index that found unseen rows, so no update could
be heap-only, and each row got new entries in the primary key and the five-column natural
key (87-131 ms of database time a pass). Hotspots are only ever inserted, with ids from a
sequence, so a pass now claims the ids above ``detection_state.hotspot_watermark`` and
moves the watermark.

An id above the watermark may belong to a transaction still inserting, which could commit
after a pass claimed higher ids. So every statement that inserts hotspots takes a shared
advisory lock first (a statement trigger), held until its transaction ends, and
``hotspots_settled_top()`` takes the same lock exclusively for a moment: once it has it,
every id up to the highest one it reads belongs to a finished transaction. Static reasons
are still written on the few rows that have one.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INSERT_LOCK = 0x6E0_0D38  # shared by hotspot inserts, exclusive for a moment in a claim

FUNCTIONS = f"""
CREATE FUNCTION hotspots_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({INSERT_LOCK});
    RETURN NULL;
END $$;

CREATE TRIGGER hotspots_insert_guard BEFORE INSERT ON hotspots
FOR EACH STATEMENT EXECUTE FUNCTION hotspots_insert_guard();

-- The highest hotspot id such that no transaction inserting hotspots is still running:
-- waits for those running, and holds the next ones back only while it reads the id. A
-- session lock (a transaction lock would hold inserts back until the pass commits),
-- released however the read ends.
CREATE FUNCTION hotspots_settled_top() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    top bigint;
BEGIN
    PERFORM pg_advisory_lock({INSERT_LOCK});
    BEGIN
        SELECT coalesce(max(id), 0) INTO top FROM hotspots;
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock({INSERT_LOCK});
        RAISE;
    END;
    PERFORM pg_advisory_unlock({INSERT_LOCK});
    RETURN top;
END $$;
"""


def upgrade() -> None:
    op.add_column(
        "detection_state",
        sa.Column("hotspot_watermark", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    )
    # below the first hotspot no pass has seen (a pass sees again the few seen above it,
    # whose evidence is attached already: it attaches only the rest)
    op.execute(
        "UPDATE detection_state SET hotspot_watermark = coalesce("
        "(SELECT min(id) - 1 FROM hotspots WHERE detected_at IS NULL), (SELECT max(id) FROM hotspots), 0)"
    )
    op.drop_index("hotspots_undetected", "hotspots")
    op.drop_column("hotspots", "detected_at")
    op.execute(FUNCTIONS)


def downgrade() -> None:
    op.execute("DROP TRIGGER hotspots_insert_guard ON hotspots")
    op.execute("DROP FUNCTION hotspots_insert_guard()")
    op.execute("DROP FUNCTION hotspots_settled_top()")
    op.add_column("hotspots", sa.Column("detected_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE hotspots SET detected_at = now() WHERE id <= (SELECT hotspot_watermark FROM detection_state)"
    )
    op.create_index(
        "hotspots_undetected", "hotspots", ["id"], postgresql_where=sa.text("detected_at IS NULL")
    )
    op.drop_column("detection_state", "hotspot_watermark")
