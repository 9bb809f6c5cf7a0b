"""Management levels and access: jurisdictions, users, tokens, login attempts, audit log.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
ROLES = "('admin', 'dispatcher', 'crew', 'clerk', 'viewer')"


def _now(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(name, TZ, nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("level_rank", sa.SmallInteger, nullable=False),
        sa.Column("code", sa.Text),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("jurisdictions.id", ondelete="SET NULL")),
        sa.Column("path", ARRAY(sa.Integer), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("geom_simple", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("area_km2", sa.Float),
        _now(),
        _now("updated_at"),
        sa.UniqueConstraint("level", "name", name="jurisdictions_level_name"),
    )
    op.create_index("jurisdictions_geom_gist", "jurisdictions", ["geom"], postgresql_using="gist")
    op.create_index("jurisdictions_path_gin", "jurisdictions", ["path"], postgresql_using="gin")
    op.create_table(
        "incident_jurisdictions",
        sa.Column(
            "incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "jurisdiction_id",
            sa.Integer,
            sa.ForeignKey("jurisdictions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("incident_jurisdictions_jurisdiction", "incident_jurisdictions", ["jurisdiction_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        _now(),
        sa.CheckConstraint(f"role IN {ROLES}", name="users_role"),
    )
    op.create_table(
        "user_jurisdictions",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "jurisdiction_id",
            sa.Integer,
            sa.ForeignKey("jurisdictions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        _now(),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("last_used_at", TZ),
        sa.CheckConstraint("kind IN ('api', 'session')", name="api_tokens_kind"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        _now("at"),
    )
    op.create_index("login_attempts_name_at", "login_attempts", ["name", "at"])
    op.create_index("login_attempts_client_at", "login_attempts", ["client", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        _now("at"),
        sa.Column("user_id", sa.Integer),
        sa.Column("user_name", sa.String(64)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.Text),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
    )
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.add_column("layers", sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("layers", "public")
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    for table in (
        "audit_log", "login_attempts", "api_tokens", "user_jurisdictions", "users",
        "incident_jurisdictions", "jurisdictions",
    ):  # fmt: skip
        op.drop_table(table)
