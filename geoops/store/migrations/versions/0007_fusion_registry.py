"""Fusion and the registry: evidence from reports and sensor alarms, registration numbers
per region and year, priority components, perimeter history, heat-source candidates.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.execute("UPDATE incident_evidence SET kind = 'sensor' WHERE kind = 'observation'")
    op.drop_constraint("evidence_kind", "incident_evidence")
    op.add_column(
        "incident_evidence",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="CASCADE")),
    )
    op.add_column(
        "incident_evidence",
        sa.Column("alarm_id", sa.BigInteger, sa.ForeignKey("sensor_alarms.id", ondelete="CASCADE")),
    )
    op.create_unique_constraint("incident_evidence_report_once", "incident_evidence", ["report_id"])
    op.create_unique_constraint("incident_evidence_alarm_once", "incident_evidence", ["alarm_id"])
    op.create_check_constraint(
        "evidence_kind", "incident_evidence", "kind IN ('hotspot', 'sensor', 'report')"
    )
    op.create_check_constraint(
        "evidence_one_item", "incident_evidence", "num_nonnulls(hotspot_id, report_id, alarm_id) = 1"
    )
    # Ground evidence waits for a detection pass like hotspots do; what is already stored
    # predates fusion and counts as seen.
    for table, seen in (("reports", "received_at"), ("sensor_alarms", "created_at")):
        op.add_column(table, sa.Column("detected_at", TZ))
        op.execute(f"UPDATE {table} SET detected_at = {seen}")
        op.create_index(f"{table}_undetected", table, ["id"], postgresql_where=sa.text("detected_at IS NULL"))

    op.add_column("incidents", sa.Column("region_code", sa.Text))
    op.add_column("incidents", sa.Column("status_reason", sa.Text))
    op.add_column(
        "incidents", sa.Column("priority_score", sa.SmallInteger, nullable=False, server_default="0")
    )
    op.add_column(
        "incidents", sa.Column("priority_components", JSONB, nullable=False, server_default=sa.text("'{}'"))
    )
    op.add_column(
        "incidents", sa.Column("nearest_settlements", JSONB, nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("incidents", sa.Column("growth_ha", sa.Float, nullable=False, server_default=sa.text("0")))
    op.add_column("incidents", sa.Column("first_ingested_at", TZ))
    op.create_check_constraint("incidents_priority_score", "incidents", "priority_score BETWEEN 0 AND 100")

    # Registration numbers count per region and year; numbers already given stay taken.
    op.create_table(
        "incident_counters",
        sa.Column("region_code", sa.Text, nullable=False),
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", name="incident_counters_key"),
    )
    op.execute(
        "INSERT INTO incident_counters (region_code, year, last_number) "
        "SELECT '', extract(year FROM first_observed_at AT TIME ZONE 'UTC'), max(id) FROM incidents GROUP BY 2"
    )

    op.create_table(
        "incident_perimeters",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("area_ha", sa.Float, nullable=False),
        sa.Column("growth_ha", sa.Float, nullable=False),
        sa.Column("hotspot_count", sa.Integer, nullable=False),
    )
    op.create_index("incident_perimeters_incident", "incident_perimeters", ["incident_id", "observed_at"])

    op.create_table(
        "heat_source_candidates",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("radius_m", sa.Float, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("detections", sa.Integer, nullable=False),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="candidate"),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", TZ),
        sa.Column("note", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("incident_id", name="heat_source_candidates_incident"),
        sa.CheckConstraint(
            "status IN ('candidate', 'accepted', 'rejected')", name="heat_source_candidates_status"
        ),
    )
    op.create_index(
        "heat_source_candidates_geom_gist", "heat_source_candidates", ["geom"], postgresql_using="gist"
    )


def downgrade() -> None:
    op.drop_table("heat_source_candidates")
    op.drop_table("incident_perimeters")
    op.drop_table("incident_counters")
    op.drop_constraint("incidents_priority_score", "incidents")
    for column in ("first_ingested_at", "growth_ha", "nearest_settlements", "priority_components",
                   "priority_score", "status_reason", "region_code"):  # fmt: skip
        op.drop_column("incidents", column)
    for table in ("reports", "sensor_alarms"):
        op.drop_index(f"{table}_undetected", table)
        op.drop_column(table, "detected_at")
    op.drop_constraint("evidence_one_item", "incident_evidence")
    op.drop_constraint("evidence_kind", "incident_evidence")
    op.execute("DELETE FROM incident_evidence WHERE hotspot_id IS NULL")
    op.drop_column("incident_evidence", "alarm_id")
    op.drop_column("incident_evidence", "report_id")
    op.create_check_constraint(
        "evidence_kind", "incident_evidence", "kind IN ('hotspot', 'observation', 'report')"
    )
