"""Sensor stations, observations (a time series), sensor alarms, citizen and crew reports.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _point() -> Geometry:
    return Geometry("POINT", srid=4326, spatial_index=False)


def _now(name: str) -> sa.Column[object]:
    return sa.Column(name, TZ, nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.String(32)),
        sa.Column("geom", _point(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("last_seen_at", TZ),
        sa.Column("properties", JSONB, nullable=False, server_default=sa.text("'{}'")),
        _now("created_at"),
        sa.CheckConstraint("status IN ('active', 'stale', 'retired')", name="stations_status"),
    )
    op.create_index("stations_geom_gist", "stations", ["geom"], postgresql_using="gist")
    # Long format, one row per (station, property, time): the key makes re-delivery harmless,
    # and BRIN on time keeps a season of 10-minute readings cheap to append and to scan.
    op.create_table(
        "observations",
        sa.Column(
            "station_id", sa.String(64), sa.ForeignKey("stations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("property", sa.String(32), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        _now("received_at"),
        sa.PrimaryKeyConstraint("station_id", "property", "observed_at", name="observations_key"),
    )
    op.create_index("observations_observed_at_brin", "observations", ["observed_at"], postgresql_using="brin")
    op.create_table(
        "sensor_alarms",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "station_id", sa.String(64), sa.ForeignKey("stations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("property", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("strength", sa.Float, nullable=False),
        sa.Column("geom", _point(), nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        _now("created_at"),
        sa.UniqueConstraint("station_id", "property", "observed_at", "rule", name="sensor_alarms_once"),
        sa.CheckConstraint("strength BETWEEN 0 AND 1", name="sensor_alarms_strength"),
    )
    op.create_index("sensor_alarms_geom_gist", "sensor_alarms", ["geom"], postgresql_using="gist")
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("tracking_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("contact", sa.Text),
        sa.Column("reporter_kind", sa.String(16), nullable=False),
        sa.Column("reporter_user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("geom", _point(), nullable=False),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("reported_at", TZ, nullable=False),
        _now("received_at"),
        sa.Column("status", sa.String(16), nullable=False, server_default="received"),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        sa.Column("answer", sa.Text),
        sa.Column("answered_at", TZ),
        sa.Column("duplicate_of", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="SET NULL")),
        sa.Column("client", sa.String(64)),
        sa.CheckConstraint("reporter_kind IN ('citizen', 'crew')", name="reports_reporter_kind"),
        sa.CheckConstraint(
            "status IN ('received', 'linked', 'verified', 'dismissed', 'resolved')", name="reports_status"
        ),
    )
    op.create_index("reports_geom_gist", "reports", ["geom"], postgresql_using="gist")
    op.create_index("reports_client_received", "reports", ["client", "received_at"])
    op.create_index("reports_duplicate_of", "reports", ["duplicate_of"])
    op.create_table(
        "report_photos",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("public_path", sa.Text, nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("taken_at", TZ),
        sa.Column("exif_geom", _point()),
        _now("created_at"),
    )
    op.create_index("report_photos_report", "report_photos", ["report_id"])


def downgrade() -> None:
    for table in ("report_photos", "reports", "sensor_alarms", "observations", "stations"):
        op.drop_table(table)
