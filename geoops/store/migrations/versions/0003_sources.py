"""Polled FIRMS sources and the inbox: one status row each (validators, results, backoff).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "firms_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_checked_at", TZ),
        sa.Column("last_result", sa.String(16)),
        sa.Column("last_success_at", TZ),
        sa.Column("last_error_at", TZ),
        sa.Column("last_error", sa.Text),
        sa.Column("last_rows_read", sa.Integer),
        sa.Column("last_rows_inserted", sa.Integer),
        sa.Column("last_rows_rejected", sa.Integer),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", TZ),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('url', 'file', 'inbox')", name="firms_sources_kind"),
        sa.CheckConstraint(
            "last_result IN ('ingested', 'not_modified', 'failed')", name="firms_sources_last_result"
        ),
    )


def downgrade() -> None:
    op.drop_table("firms_sources")
