"""Jurisdiction boundaries cut into small parts (ST_Subdivide), kept in step by a trigger,
so new evidence is tested against a few hundred vertices instead of a whole region's
boundary; and a BRIN index on incident_evidence.added_at, so the evidence a pass has just
attached is found without reading the others.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MAX_VERTICES = 128

SYNC = f"""
CREATE FUNCTION jurisdiction_parts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM jurisdiction_parts WHERE jurisdiction_id = OLD.id;
    END IF;
    INSERT INTO jurisdiction_parts (jurisdiction_id, geom)
    SELECT NEW.id, ST_Subdivide(NEW.geom, {MAX_VERTICES});
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "jurisdiction_parts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "jurisdiction_id",
            sa.Integer,
            sa.ForeignKey("jurisdictions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("jurisdiction_parts_geom_gist", "jurisdiction_parts", ["geom"], postgresql_using="gist")
    op.create_index("jurisdiction_parts_jurisdiction", "jurisdiction_parts", ["jurisdiction_id"])
    op.execute(SYNC)
    op.execute(
        "CREATE TRIGGER jurisdiction_parts_sync AFTER INSERT OR UPDATE OF geom ON jurisdictions "
        "FOR EACH ROW EXECUTE FUNCTION jurisdiction_parts_sync()"
    )
    op.execute(
        "INSERT INTO jurisdiction_parts (jurisdiction_id, geom) "
        f"SELECT id, ST_Subdivide(geom, {MAX_VERTICES}) FROM jurisdictions"
    )
    op.create_index(
        "incident_evidence_added_at_brin", "incident_evidence", ["added_at"], postgresql_using="brin"
    )


def downgrade() -> None:
    op.drop_index("incident_evidence_added_at_brin", "incident_evidence")
    op.execute("DROP TRIGGER jurisdiction_parts_sync ON jurisdictions")
    op.execute("DROP FUNCTION jurisdiction_parts_sync()")
    op.drop_table("jurisdiction_parts")
