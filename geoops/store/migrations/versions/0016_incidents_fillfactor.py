"""Incident rows are rewritten twice by every pass that touches them: the refresh (new
perimeter, counts) and the priority (score, components, nearest settlements). The second
changes no indexed column, so with room left on the page it is a heap-only update that
adds nothing to the indexes (the GiST of the perimeters among them). Half of each page is
kept free: the table is small (one row per fire), its index work is what a pass pays.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE incidents SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE incidents RESET (fillfactor)")
