"""Table definitions (SQLAlchemy Core + geoalchemy2); the alembic migrations create them."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

STATUSES = ("suspected", "confirmed", "contained", "extinguished", "dismissed")


def _geom(kind: str) -> Geometry:
    # Indexes are declared explicitly below so the migrations and these tables agree.
    return Geometry(kind, srid=4326, spatial_index=False)


def _now() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


hotspots = Table(
    "hotspots",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("source", Text, nullable=False),
    Column("satellite", String(32), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("latitude", Numeric(8, 5), nullable=False),
    Column("longitude", Numeric(8, 5), nullable=False),
    Column("geom", _geom("POINT"), nullable=False),
    Column("footprint", _geom("POLYGON"), nullable=False),
    Column("confidence", SmallInteger),
    Column("confidence_raw", String(16)),
    Column("frp", Float),
    Column("brightness", Float),
    Column("brightness_2", Float),
    Column("scan", Float),
    Column("track", Float),
    Column("daynight", String(1)),
    Column("fire_type", SmallInteger),
    Column("version", String(16)),
    Column("ingested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("static_reason", String(32)),  # not a fire: firms_type_N, heat_source or water
    UniqueConstraint(
        "satellite",
        "instrument",
        "observed_at",
        "latitude",
        "longitude",
        name="hotspots_natural_key",
    ),
    CheckConstraint("confidence BETWEEN 0 AND 100", name="hotspots_confidence_range"),
)
# Append-only time series: BRIN is nearly free to maintain during bulk ingest.
Index("hotspots_observed_at_brin", hotspots.c.observed_at, postgresql_using="brin")
Index("hotspots_geom_brin", hotspots.c.geom, postgresql_using="brin")

incidents = Table(
    "incidents",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False, server_default="suspected"),
    Column("priority", String(16), nullable=False, server_default="low"),
    Column("geom", _geom("GEOMETRY")),
    Column("centroid", _geom("POINT")),
    Column("area_ha", Float, nullable=False, server_default=text("0")),
    Column("hotspot_count", Integer, nullable=False, server_default=text("0")),
    Column("max_frp", Float),
    Column("sources", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("first_observed_at", DateTime(timezone=True), nullable=False),
    Column("last_observed_at", DateTime(timezone=True), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("registration_latency_s", Float),
    Column("merged_into_id", BigInteger, ForeignKey("incidents.id")),
    Column("region_code", Text),
    Column("status_reason", Text),
    Column("priority_score", SmallInteger, nullable=False, server_default=text("0")),
    Column("priority_components", JSONB, nullable=False, server_default=text("'{}'")),
    Column("nearest_settlements", JSONB, nullable=False, server_default=text("'[]'")),
    Column("growth_ha", Float, nullable=False, server_default=text("0")),
    Column("first_ingested_at", DateTime(timezone=True)),
    # the UTC days its hotspots were seen on and the box of their points (0014)
    Column("hotspot_days", ARRAY(Date), nullable=False, server_default=text("'{}'::date[]")),
    Column("spots_box", _geom("GEOMETRY")),
    CheckConstraint(f"status IN {STATUSES}", name="incidents_status"),
    CheckConstraint("priority_score BETWEEN 0 AND 100", name="incidents_priority_score"),
)
Index("incidents_geom_gist", incidents.c.geom, postgresql_using="gist")
Index("incidents_last_observed_at", incidents.c.last_observed_at)

incident_evidence = Table(
    "incident_evidence",
    metadata,
    Column("id", BigInteger, primary_key=True),
    # no foreign keys to incidents and hotspots: only detection passes write these rows, by
    # the thousand, for what they have just claimed or opened; neither is ever deleted (0015)
    Column("incident_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("hotspot_id", BigInteger),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("report_id", BigInteger, ForeignKey("reports.id", ondelete="CASCADE")),
    Column("alarm_id", BigInteger, ForeignKey("sensor_alarms.id", ondelete="CASCADE")),
    CheckConstraint("kind IN ('hotspot', 'sensor', 'report')", name="evidence_kind"),
    CheckConstraint("num_nonnulls(hotspot_id, report_id, alarm_id) = 1", name="evidence_one_item"),
)
Index("incident_evidence_incident", incident_evidence.c.incident_id)
# Each item supports one incident. Partial, so a hotspot's row enters only its own index
# (a pass attaches thousands at once) and not those of the report and alarm columns (0011).
for _column in ("hotspot_id", "report_id", "alarm_id"):
    Index(
        f"incident_evidence_{_column.removesuffix('_id')}_once",
        incident_evidence.c[_column],
        unique=True,
        postgresql_where=incident_evidence.c[_column].is_not(None),
    )
Index(  # a pass reads an incident's reports and alarms, never all its hotspots
    "incident_evidence_ground",
    incident_evidence.c.incident_id,
    postgresql_where=incident_evidence.c.hotspot_id.is_(None),
)
# Evidence is appended in time order, so a BRIN finds what a pass has just attached (0010).
Index("incident_evidence_added_at_brin", incident_evidence.c.added_at, postgresql_using="brin")

events = Table(
    "events",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSONB, nullable=False),
    _now(),
)
Index("events_incident", text("((payload ->> 'incident_id'))"))

layers = Table(
    "layers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("source", Text),
    Column("attribution", Text),
    Column("feature_count", Integer, nullable=False, server_default=text("0")),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("public", Boolean, nullable=False, server_default=false()),
    CheckConstraint("name ~ '^[a-z][a-z0-9_]*$'", name="layers_name_slug"),
)

layer_features = Table(
    "layer_features",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("layer_id", Integer, ForeignKey("layers.id", ondelete="CASCADE"), nullable=False),
    Column("properties", JSONB, nullable=False, server_default=text("'{}'")),
    Column("geom", _geom("GEOMETRY"), nullable=False),
)
Index("layer_features_geom_gist", layer_features.c.geom, postgresql_using="gist")
Index("layer_features_layer", layer_features.c.layer_id)
Index(
    "layer_features_layer_geom_gist",
    layer_features.c.layer_id,
    layer_features.c.geom,
    postgresql_using="gist",
)

# layer_features cut by ST_Subdivide; a trigger (migration 0008) keeps them in step.
layer_feature_parts = Table(
    "layer_feature_parts",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("feature_id", BigInteger, ForeignKey("layer_features.id", ondelete="CASCADE"), nullable=False),
    Column("layer_id", Integer, nullable=False),
    Column("geom", _geom("GEOMETRY"), nullable=False),
)
Index("layer_feature_parts_geom_gist", layer_feature_parts.c.geom, postgresql_using="gist")
Index("layer_feature_parts_feature", layer_feature_parts.c.feature_id)

# One status row per polled FIRMS source and per inbox.
SOURCE_KINDS = ("url", "file", "inbox")
CHECK_RESULTS = ("ingested", "not_modified", "failed")


def _at(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True))


firms_sources = Table(
    "firms_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("url", Text, nullable=False),  # credentials (MAP_KEY) redacted
    Column("kind", String(8), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    _at("last_checked_at"),
    Column("last_result", String(16)),
    _at("last_success_at"),
    _at("last_error_at"),
    Column("last_error", Text),
    Column("last_rows_read", Integer),
    Column("last_rows_inserted", Integer),
    Column("last_rows_rejected", Integer),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    _at("next_attempt_at"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"kind IN {SOURCE_KINDS}", name="firms_sources_kind"),
    CheckConstraint(f"last_result IN {CHECK_RESULTS}", name="firms_sources_last_result"),
)

ROLES = ("admin", "dispatcher", "crew", "clerk", "viewer")


def _time(name: str, *, required: bool = False) -> Column[object]:
    return Column(
        name, DateTime(timezone=True), nullable=not required, server_default=func.now() if required else None
    )


# Management levels: region, district, municipality, forestry unit... (``path``: ids root..self)
jurisdictions = Table(
    "jurisdictions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(32), nullable=False),
    Column("level_rank", SmallInteger, nullable=False),
    Column("code", Text),
    Column("parent_id", Integer, ForeignKey("jurisdictions.id", ondelete="SET NULL")),
    Column("path", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    Column("geom", _geom("MULTIPOLYGON"), nullable=False),
    Column("geom_simple", _geom("MULTIPOLYGON")),
    Column("area_km2", Float),
    _time("created_at", required=True),
    _time("updated_at", required=True),
    UniqueConstraint("level", "name", name="jurisdictions_level_name"),
)
Index("jurisdictions_geom_gist", jurisdictions.c.geom, postgresql_using="gist")
Index("jurisdictions_path_gin", jurisdictions.c.path, postgresql_using="gin")

# Each jurisdiction cut into parts of at most 128 vertices (ST_Subdivide), kept in step
# by a trigger on jurisdictions (0010): cheap intersection tests against big boundaries.
jurisdiction_parts = Table(
    "jurisdiction_parts",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False),
    Column("geom", _geom("GEOMETRY"), nullable=False),
)
Index("jurisdiction_parts_geom_gist", jurisdiction_parts.c.geom, postgresql_using="gist")
Index("jurisdiction_parts_jurisdiction", jurisdiction_parts.c.jurisdiction_id)

incident_jurisdictions = Table(
    "incident_jurisdictions",
    metadata,
    Column("incident_id", BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True),
)
Index("incident_jurisdictions_jurisdiction", incident_jurisdictions.c.jurisdiction_id)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("role", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    _time("created_at", required=True),
    CheckConstraint(f"role IN {ROLES}", name="users_role"),
)

user_jurisdictions = Table(
    "user_jurisdictions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True),
)

# API tokens and browser sessions: only a hash is stored; the token is shown once.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    _time("created_at", required=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    _time("revoked_at"),
    _time("last_used_at"),
    CheckConstraint("kind IN ('api', 'session')", name="api_tokens_kind"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("client", String(64), nullable=False),
    Column("success", Boolean, nullable=False),
    _time("at", required=True),
)
Index("login_attempts_name_at", login_attempts.c.name, login_attempts.c.at)
Index("login_attempts_client_at", login_attempts.c.client, login_attempts.c.at)

# Append-only (a trigger refuses UPDATE and DELETE): who changed what, when.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    _time("at", required=True),
    Column("user_id", Integer),
    Column("user_name", String(64)),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", Text),
    Column("before", JSONB),
    Column("after", JSONB),
)


def _point() -> Geometry:
    return _geom("POINT")


stations = Table(
    "stations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text),
    Column("kind", String(32)),
    Column("geom", _point(), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    _time("last_seen_at"),
    Column("properties", JSONB, nullable=False, server_default=text("'{}'")),
    _time("created_at", required=True),
    CheckConstraint("status IN ('active', 'stale', 'retired')", name="stations_status"),
)
Index("stations_geom_gist", stations.c.geom, postgresql_using="gist")

# Long format; the key makes re-delivery harmless, BRIN on time keeps appends cheap.
observations = Table(
    "observations",
    metadata,
    Column("station_id", String(64), ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("property", String(32), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    _time("received_at", required=True),
    PrimaryKeyConstraint("station_id", "property", "observed_at", name="observations_key"),
)
Index("observations_observed_at_brin", observations.c.observed_at, postgresql_using="brin")

sensor_alarms = Table(
    "sensor_alarms",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("station_id", String(64), ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("property", String(32), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("value", Float, nullable=False),
    Column("strength", Float, nullable=False),
    Column("geom", _point(), nullable=False),
    Column("detail", JSONB, nullable=False, server_default=text("'{}'")),
    Column("incident_id", BigInteger, ForeignKey("incidents.id", ondelete="SET NULL")),
    _time("created_at", required=True),
    _time("detected_at"),
    UniqueConstraint("station_id", "property", "observed_at", "rule", name="sensor_alarms_once"),
    CheckConstraint("strength BETWEEN 0 AND 1", name="sensor_alarms_strength"),
)
Index("sensor_alarms_geom_gist", sensor_alarms.c.geom, postgresql_using="gist")
Index("sensor_alarms_undetected", sensor_alarms.c.id, postgresql_where=sensor_alarms.c.detected_at.is_(None))

REPORT_STATUSES = ("received", "linked", "verified", "dismissed", "resolved")

reports = Table(
    "reports",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("tracking_hash", String(64), nullable=False, unique=True),
    Column("category", String(32), nullable=False),
    Column("text", Text, nullable=False, server_default=""),
    Column("contact", Text),
    Column("reporter_kind", String(16), nullable=False),
    Column("reporter_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("geom", _point(), nullable=False),
    Column("accuracy_m", Float),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    _time("received_at", required=True),
    Column("status", String(16), nullable=False, server_default="received"),
    Column("incident_id", BigInteger, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("answer", Text),
    _time("answered_at"),
    Column("duplicate_of", BigInteger, ForeignKey("reports.id", ondelete="SET NULL")),
    Column("client", String(64)),
    _time("detected_at"),
    CheckConstraint("reporter_kind IN ('citizen', 'crew')", name="reports_reporter_kind"),
    CheckConstraint(f"status IN {REPORT_STATUSES}", name="reports_status"),
)
Index("reports_geom_gist", reports.c.geom, postgresql_using="gist")
Index("reports_client_received", reports.c.client, reports.c.received_at)
Index("reports_duplicate_of", reports.c.duplicate_of)
Index("reports_undetected", reports.c.id, postgresql_where=reports.c.detected_at.is_(None))

report_photos = Table(
    "report_photos",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("report_id", BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("stored_path", Text, nullable=False),
    Column("public_path", Text, nullable=False),
    Column("content_type", String(32), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    _time("taken_at"),
    Column("exif_geom", _point()),
    _time("created_at", required=True),
)
Index("report_photos_report", report_photos.c.report_id)

incident_counters = Table(
    "incident_counters",
    metadata,
    Column("region_code", Text, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("last_number", Integer, nullable=False),
    PrimaryKeyConstraint("region_code", "year", name="incident_counters_key"),
)

incident_perimeters = Table(
    "incident_perimeters",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    _time("recorded_at", required=True),
    Column("geom", _geom("GEOMETRY"), nullable=False),
    Column("area_ha", Float, nullable=False),
    Column("growth_ha", Float, nullable=False),
    Column("hotspot_count", Integer, nullable=False),
)
Index("incident_perimeters_incident", incident_perimeters.c.incident_id, incident_perimeters.c.observed_at)

heat_source_candidates = Table(
    "heat_source_candidates",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("geom", _point(), nullable=False),
    Column("radius_m", Float, nullable=False),
    Column("days", Integer, nullable=False),
    Column("detections", Integer, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, server_default="candidate"),
    Column("decided_by", Text),
    _time("decided_at"),
    Column("note", Text),
    _time("created_at", required=True),
    _time("updated_at", required=True),
    UniqueConstraint("incident_id", name="heat_source_candidates_incident"),
    CheckConstraint("status IN ('candidate', 'accepted', 'rejected')", name="heat_source_candidates_status"),
)
Index("heat_source_candidates_geom_gist", heat_source_candidates.c.geom, postgresql_using="gist")

# What new evidence measures to, per incident (held in memory by passes): the perimeter cut
# into small pieces ('p'), the pieces passes added since ('n'), and the points of reports
# and alarms ('g').
incident_shapes = Table(
    "incident_shapes",
    metadata,
    Column("id", BigInteger, primary_key=True),
    # no foreign key: a derived index that passes fill by the thousand; incidents are never deleted
    Column("incident_id", BigInteger, nullable=False),
    Column("kind", String(1), nullable=False),
    Column("geom", _geom("GEOMETRY"), nullable=False),
    CheckConstraint("kind IN ('p', 'n', 'g')", name="incident_shapes_kind"),
)
Index("incident_shapes_incident", incident_shapes.c.incident_id)

# How many detection passes have committed: in-memory shape caches check it (0013); the
# hotspots passes have claimed (0018).
detection_state = Table(
    "detection_state",
    metadata,
    Column("id", SmallInteger, primary_key=True, server_default=text("1")),
    Column("generation", BigInteger, nullable=False, server_default=text("0")),
    # hotspots with ids up to here are claimed by a pass (0018)
    Column("hotspot_watermark", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("id = 1", name="detection_state_one_row"),
)

# Field crews: a base, availability kept as data; assignments to incidents (0012).
crews = Table(
    "crews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("base", _geom("POINT"), nullable=False),
    Column("available", Boolean, nullable=False, server_default=text("true")),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="SET NULL")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("contact", Text),
    _time("created_at", required=True),
)

crew_assignments = Table(
    "crew_assignments",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("crew_id", Integer, ForeignKey("crews.id", ondelete="CASCADE"), nullable=False),
    Column("assigned_by", Text, nullable=False),
    _time("assigned_at", required=True),
    _time("released_at"),
)
Index(
    "crew_assignments_active",
    crew_assignments.c.incident_id,
    crew_assignments.c.crew_id,
    unique=True,
    postgresql_where=crew_assignments.c.released_at.is_(None),
)

CHANNELS = ("live", "webhook", "mqtt", "email")

# Who gets what beyond the level rules: an area (polygon, or point + radius stored as its
# buffer), minimum priority, statuses, sources, one channel; or a standing order of a
# jurisdiction (``jurisdiction_id``, no area) that receives that level's alerts.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("crew_id", Integer, ForeignKey("crews.id", ondelete="CASCADE")),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="CASCADE")),
    Column("area", _geom("GEOMETRY")),
    Column("min_priority", String(16), nullable=False, server_default="low"),
    Column("statuses", ARRAY(Text), nullable=False, server_default=text("'{confirmed}'")),
    Column("categories", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("channel", String(16), nullable=False),
    Column("target", Text),
    Column("secret", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _time("created_at", required=True),
    CheckConstraint(f"channel IN {CHANNELS}", name="subscriptions_channel"),
    CheckConstraint("num_nonnulls(area, jurisdiction_id) = 1", name="subscriptions_area_or_jurisdiction"),
)
Index("subscriptions_area_gist", subscriptions.c.area, postgresql_using="gist")
Index("subscriptions_jurisdiction", subscriptions.c.jurisdiction_id)

# One alert per (incident, recipient, reason, cause): ``dedup_key`` makes re-matching an
# event, re-escalating or re-assigning insert nothing twice.
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("dedup_key", Text, nullable=False, unique=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id")),
    Column("reason", String(16), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("jurisdiction_id", Integer, ForeignKey("jurisdictions.id", ondelete="SET NULL")),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="SET NULL")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("level", String(32)),
    Column("priority", String(16), nullable=False),
    Column("message", JSONB, nullable=False),
    Column("event_id", BigInteger),
    Column("previous_alert_id", BigInteger, ForeignKey("alerts.id")),
    _time("event_at"),
    _time("created_at", required=True),
    _time("live_delivered_at"),
    _time("acked_at"),
    Column("acked_by", Text),
    _time("escalated_at"),
)
Index("alerts_incident_recipient", alerts.c.incident_id, alerts.c.recipient, alerts.c.created_at)
Index("alerts_jurisdiction", alerts.c.jurisdiction_id, alerts.c.id)
Index("alerts_user", alerts.c.user_id, alerts.c.id)
Index(  # what the escalation check scans: unacknowledged, not yet escalated, urgent
    "alerts_unacked_urgent",
    alerts.c.created_at,
    postgresql_where=text("acked_at IS NULL AND escalated_at IS NULL AND priority IN ('high', 'critical')"),
)

# Push deliveries (webhook, MQTT, e-mail), claimed FOR UPDATE SKIP LOCKED by dispatchers.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("alert_id", BigInteger, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="SET NULL")),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", SmallInteger, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _time("lease_until"),
    Column("last_error", Text),
    _time("first_failed_at"),
    _time("failed_at"),
    _time("created_at", required=True),
    _time("delivered_at"),
    CheckConstraint("status IN ('pending', 'sending', 'delivered', 'dead')", name="deliveries_status"),
    CheckConstraint("channel IN ('webhook', 'mqtt', 'email')", name="deliveries_channel"),
)
Index(
    "deliveries_due",
    deliveries.c.next_attempt_at,
    postgresql_where=text("status IN ('pending', 'sending')"),
)
Index("deliveries_alert", deliveries.c.alert_id)
Index("deliveries_channel_delivered", deliveries.c.channel, deliveries.c.delivered_at)

# Where each consumer of the events outbox has got to (the alert matcher).
event_cursors = Table(
    "event_cursors",
    metadata,
    Column("consumer", String(32), primary_key=True),
    Column("last_event_id", BigInteger, nullable=False),
    _time("updated_at", required=True),
)
