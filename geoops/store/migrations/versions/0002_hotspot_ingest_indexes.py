"""Cheaper hotspot indexes for bulk ingest.

Hotspots are an append-only time series: BRIN indexes on time and position cost almost
nothing to maintain, where two GiST indexes dominated ingest time. Detection finds
neighbours through incident perimeters (GiST on incidents) and an indexed temporary
copy of each batch, so it no longer needs a GiST index on every stored hotspot.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("hotspots_geom_gist", table_name="hotspots")
    op.drop_index("hotspots_footprint_gist", table_name="hotspots")
    op.drop_index("hotspots_observed_at", table_name="hotspots")
    op.create_index("hotspots_observed_at_brin", "hotspots", ["observed_at"], postgresql_using="brin")
    op.create_index("hotspots_geom_brin", "hotspots", ["geom"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("hotspots_geom_brin", table_name="hotspots")
    op.drop_index("hotspots_observed_at_brin", table_name="hotspots")
    op.create_index("hotspots_observed_at", "hotspots", ["observed_at"])
    op.create_index("hotspots_footprint_gist", "hotspots", ["footprint"], postgresql_using="gist")
    op.create_index("hotspots_geom_gist", "hotspots", ["geom"], postgresql_using="gist")
