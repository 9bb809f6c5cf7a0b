"""Each incident keeps the UTC days its hotspots were seen on and the box of their points,
kept up to date by every detection pass, so learning persistent heat sources tests them on
the incident row instead of reading all of a quiet incident's hotspots every pass.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "incidents",
        sa.Column("hotspot_days", ARRAY(sa.Date), nullable=False, server_default=sa.text("'{}'::date[]")),
    )
    op.add_column("incidents", sa.Column("spots_box", Geometry("GEOMETRY", srid=4326, spatial_index=False)))
    op.execute(
        "UPDATE incidents AS i SET hotspot_days = s.days, spots_box = s.box "
        "FROM (SELECT e.incident_id, "
        "             array_agg(DISTINCT (h.observed_at AT TIME ZONE 'UTC')::date "
        "                       ORDER BY (h.observed_at AT TIME ZONE 'UTC')::date) AS days, "
        "             ST_Extent(h.geom)::geometry AS box "
        "      FROM incident_evidence AS e JOIN hotspots AS h ON h.id = e.hotspot_id "
        "      GROUP BY e.incident_id) AS s "
        "WHERE i.id = s.incident_id"
    )


def downgrade() -> None:
    op.drop_column("incidents", "spots_box")
    op.drop_column("incidents", "hotspot_days")
