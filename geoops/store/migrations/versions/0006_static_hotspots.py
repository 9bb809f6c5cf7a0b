"""Why a hotspot is not a fire: a FIRMS static type, a known heat source, or water.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hotspots", sa.Column("static_reason", sa.String(32)))


def downgrade() -> None:
    op.drop_column("hotspots", "static_reason")
