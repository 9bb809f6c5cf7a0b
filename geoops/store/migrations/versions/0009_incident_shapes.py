"""The shapes of every incident's evidence (pixel footprints, report and alarm points)
under a GiST index, so new evidence finds the incidents it touches without measuring
against whole perimeters, and perimeters grow by union with the new shapes only.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_shapes",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("kind IN ('h', 'g')", name="incident_shapes_kind"),
    )
    op.create_index("incident_shapes_geom_gist", "incident_shapes", ["geom"], postgresql_using="gist")
    op.create_index("incident_shapes_incident", "incident_shapes", ["incident_id"])
    op.execute(
        "INSERT INTO incident_shapes (incident_id, kind, geom) "
        "SELECT e.incident_id, CASE WHEN e.kind = 'hotspot' THEN 'h' ELSE 'g' END, "
        "coalesce(h.footprint, r.geom, a.geom) FROM incident_evidence AS e "
        "LEFT JOIN hotspots AS h ON h.id = e.hotspot_id LEFT JOIN reports AS r ON r.id = e.report_id "
        "LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id"
    )


def downgrade() -> None:
    op.drop_table("incident_shapes")
