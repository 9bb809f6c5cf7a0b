"""Perimeters are compressed with LZ4 instead of pglz. A large fire's perimeter (thousands
of vertices, tens of kB) is stored out of line and compressed, and every pass that touches
the fire decompresses it, writes it anew and copies it into the perimeter history:
LZ4 does both several times faster, for about the same size (coordinates barely compress).
Rows written before keep their pglz values until they are next rewritten.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = (("incidents", "geom"), ("incident_perimeters", "geom"), ("incident_shapes", "geom"))


def upgrade() -> None:
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")
