"""Initial schema: hotspots, incidents, evidence, events outbox, registry layers.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _geom(kind: str) -> Geometry:
    return Geometry(kind, srid=4326, spatial_index=False)


def _gist(table: str, column: str) -> None:
    op.create_index(f"{table}_{column}_gist", table, [column], postgresql_using="gist")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "hotspots",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("satellite", sa.String(32), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("latitude", sa.Numeric(8, 5), nullable=False),
        sa.Column("longitude", sa.Numeric(8, 5), nullable=False),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.Column("footprint", _geom("POLYGON"), nullable=False),
        sa.Column("confidence", sa.SmallInteger),
        sa.Column("confidence_raw", sa.String(16)),
        sa.Column("frp", sa.Float),
        sa.Column("brightness", sa.Float),
        sa.Column("brightness_2", sa.Float),
        sa.Column("scan", sa.Float),
        sa.Column("track", sa.Float),
        sa.Column("daynight", sa.String(1)),
        sa.Column("fire_type", sa.SmallInteger),
        sa.Column("version", sa.String(16)),
        sa.Column("ingested_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("detected_at", TZ),
        sa.UniqueConstraint(
            "satellite",
            "instrument",
            "observed_at",
            "latitude",
            "longitude",
            name="hotspots_natural_key",
        ),
        sa.CheckConstraint("confidence BETWEEN 0 AND 100", name="hotspots_confidence_range"),
    )
    _gist("hotspots", "geom")
    _gist("hotspots", "footprint")
    op.create_index("hotspots_observed_at", "hotspots", ["observed_at"])
    op.create_index(
        "hotspots_undetected", "hotspots", ["id"], postgresql_where=sa.text("detected_at IS NULL")
    )

    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="suspected"),
        sa.Column("priority", sa.String(16), nullable=False, server_default="low"),
        sa.Column("geom", _geom("GEOMETRY")),
        sa.Column("centroid", _geom("POINT")),
        sa.Column("area_ha", sa.Float, nullable=False, server_default=sa.text("0")),
        sa.Column("hotspot_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("max_frp", sa.Float),
        sa.Column("sources", sa.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("first_observed_at", TZ, nullable=False),
        sa.Column("last_observed_at", TZ, nullable=False),
        sa.Column("registered_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("registration_latency_s", sa.Float),
        sa.Column("merged_into_id", sa.BigInteger, sa.ForeignKey("incidents.id")),
        sa.CheckConstraint(
            "status IN ('suspected', 'confirmed', 'contained', 'extinguished', 'dismissed')",
            name="incidents_status",
        ),
    )
    _gist("incidents", "geom")
    op.create_index("incidents_last_observed_at", "incidents", ["last_observed_at"])

    op.create_table(
        "incident_evidence",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hotspot_id", sa.BigInteger, sa.ForeignKey("hotspots.id", ondelete="CASCADE")),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("added_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("hotspot_id", name="incident_evidence_hotspot_once"),
        sa.CheckConstraint("kind IN ('hotspot', 'observation', 'report')", name="evidence_kind"),
    )
    op.create_index("incident_evidence_incident", "incident_evidence", ["incident_id"])

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("events_incident", "events", [sa.text("(payload ->> 'incident_id')")])

    op.create_table(
        "layers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("attribution", sa.Text),
        sa.Column("feature_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("name ~ '^[a-z][a-z0-9_]*$'", name="layers_name_slug"),
    )
    op.create_table(
        "layer_features",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("properties", JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("geom", _geom("GEOMETRY"), nullable=False),
    )
    _gist("layer_features", "geom")
    op.create_index("layer_features_layer", "layer_features", ["layer_id"])


def downgrade() -> None:
    for table in ("layer_features", "layers", "events", "incident_evidence", "incidents"):
        op.drop_table(table)
    op.drop_table("hotspots")
