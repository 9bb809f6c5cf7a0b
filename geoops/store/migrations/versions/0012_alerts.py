"""Alerts: crews and their assignments, subscriptions, alert records, push deliveries
claimed with FOR UPDATE SKIP LOCKED, and the matcher's cursor over the events outbox.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _geom(kind: str) -> Geometry:
    return Geometry(kind, srid=4326, spatial_index=False)


def _time(name: str, *, required: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=not required,
        server_default=sa.func.now() if required else None,
    )


def _fk(table: str, on_delete: str | None = None) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete=on_delete)


def upgrade() -> None:
    op.create_table(
        "crews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("base", _geom("POINT"), nullable=False),
        sa.Column("available", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("jurisdiction_id", sa.Integer, _fk("jurisdictions", "SET NULL")),
        sa.Column("user_id", sa.Integer, _fk("users", "SET NULL")),
        sa.Column("contact", sa.Text),
        _time("created_at", required=True),
    )
    op.create_table(
        "crew_assignments",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("incident_id", sa.BigInteger, _fk("incidents"), nullable=False),
        sa.Column("crew_id", sa.Integer, _fk("crews", "CASCADE"), nullable=False),
        sa.Column("assigned_by", sa.Text, nullable=False),
        _time("assigned_at", required=True),
        _time("released_at"),
    )
    op.create_index(
        "crew_assignments_active", "crew_assignments", ["incident_id", "crew_id"], unique=True,
        postgresql_where="released_at IS NULL",
    )  # fmt: skip
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("users", "CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("crew_id", sa.Integer, _fk("crews", "CASCADE")),
        sa.Column("jurisdiction_id", sa.Integer, _fk("jurisdictions", "CASCADE")),
        sa.Column("area", _geom("GEOMETRY")),
        sa.Column("min_priority", sa.String(16), nullable=False, server_default="low"),
        sa.Column("statuses", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{confirmed}'")),
        sa.Column("categories", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.Text),
        sa.Column("secret", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        _time("created_at", required=True),
        sa.CheckConstraint("channel IN ('live', 'webhook', 'mqtt', 'email')", name="subscriptions_channel"),
        sa.CheckConstraint(
            "num_nonnulls(area, jurisdiction_id) = 1", name="subscriptions_area_or_jurisdiction"
        ),
    )
    op.create_index("subscriptions_area_gist", "subscriptions", ["area"], postgresql_using="gist")
    op.create_index("subscriptions_jurisdiction", "subscriptions", ["jurisdiction_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
        sa.Column("incident_id", sa.BigInteger, _fk("incidents")),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("jurisdiction_id", sa.Integer, _fk("jurisdictions", "SET NULL")),
        sa.Column("subscription_id", sa.Integer, _fk("subscriptions", "SET NULL")),
        sa.Column("user_id", sa.Integer, _fk("users", "SET NULL")),
        sa.Column("level", sa.String(32)),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("message", JSONB, nullable=False),
        sa.Column("event_id", sa.BigInteger),
        sa.Column("previous_alert_id", sa.BigInteger, _fk("alerts")),
        _time("event_at"),
        _time("created_at", required=True),
        _time("live_delivered_at"),
        _time("acked_at"),
        sa.Column("acked_by", sa.Text),
        _time("escalated_at"),
    )
    op.create_index("alerts_incident_recipient", "alerts", ["incident_id", "recipient", "created_at"])
    op.create_index("alerts_jurisdiction", "alerts", ["jurisdiction_id", "id"])
    op.create_index("alerts_user", "alerts", ["user_id", "id"])
    op.create_index(
        "alerts_unacked_urgent", "alerts", ["created_at"],
        postgresql_where="acked_at IS NULL AND escalated_at IS NULL AND priority IN ('high', 'critical')",
    )  # fmt: skip
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("alert_id", sa.BigInteger, _fk("alerts", "CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("subscription_id", sa.Integer, _fk("subscriptions", "SET NULL")),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default=sa.text("0")),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        _time("lease_until"),
        sa.Column("last_error", sa.Text),
        _time("first_failed_at"),
        _time("failed_at"),
        _time("created_at", required=True),
        _time("delivered_at"),
        sa.CheckConstraint("status IN ('pending', 'sending', 'delivered', 'dead')", name="deliveries_status"),
        sa.CheckConstraint("channel IN ('webhook', 'mqtt', 'email')", name="deliveries_channel"),
    )
    op.create_index(
        "deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where="status IN ('pending', 'sending')",
    )
    op.create_index("deliveries_alert", "deliveries", ["alert_id"])
    op.create_index("deliveries_channel_delivered", "deliveries", ["channel", "delivered_at"])
    op.create_table(
        "event_cursors",
        sa.Column("consumer", sa.String(32), primary_key=True),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        _time("updated_at", required=True),
    )
    # An existing installation starts alerting from now on, not on its whole history.
    op.execute(
        "INSERT INTO event_cursors (consumer, last_event_id) SELECT 'matcher', coalesce(max(id), 0) FROM events"
    )


def downgrade() -> None:
    for table in ("event_cursors", "deliveries", "alerts", "subscriptions", "crew_assignments", "crews"):
        op.drop_table(table)
