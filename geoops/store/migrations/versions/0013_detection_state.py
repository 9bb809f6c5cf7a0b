"""A count of committed detection passes, so a process can tell whether the incident shapes
it holds in memory are still those in the database (geoops/detect/shape_cache.py). Passes
measure links to those shapes in memory now, so the shapes lose their GiST index: a pass
inserts thousands of pieces, and nothing searches them by place any more.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_state",
        sa.Column("id", sa.SmallInteger, primary_key=True, server_default=sa.text("1")),
        sa.Column("generation", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.CheckConstraint("id = 1", name="detection_state_one_row"),
    )
    op.execute("INSERT INTO detection_state (id, generation) VALUES (1, 0)")
    op.drop_index("incident_shapes_geom_gist", "incident_shapes")


def downgrade() -> None:
    op.create_index("incident_shapes_geom_gist", "incident_shapes", ["geom"], postgresql_using="gist")
    op.drop_table("detection_state")
