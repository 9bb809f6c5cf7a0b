"""Registry features cut into small parts (ST_Subdivide), kept in step by a trigger, so
point-in-polygon tests against big polygons (a lake the size of Baikal) stay cheap; and a
GiST index on (layer, geometry), so nearest-feature searches within one layer use it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MAX_VERTICES = 128

SYNC = f"""
CREATE FUNCTION layer_feature_parts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM layer_feature_parts WHERE feature_id = OLD.id;
    END IF;
    INSERT INTO layer_feature_parts (feature_id, layer_id, geom)
    SELECT NEW.id, NEW.layer_id, ST_Subdivide(NEW.geom, {MAX_VERTICES});
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "layer_feature_parts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "feature_id",
            sa.BigInteger,
            sa.ForeignKey("layer_features.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("layer_id", sa.Integer, nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("layer_feature_parts_geom_gist", "layer_feature_parts", ["geom"], postgresql_using="gist")
    op.create_index("layer_feature_parts_feature", "layer_feature_parts", ["feature_id"])
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_index(
        "layer_features_layer_geom_gist", "layer_features", ["layer_id", "geom"], postgresql_using="gist"
    )
    op.execute(SYNC)
    op.execute(
        "CREATE TRIGGER layer_feature_parts_sync AFTER INSERT OR UPDATE OF geom, layer_id ON layer_features "
        "FOR EACH ROW EXECUTE FUNCTION layer_feature_parts_sync()"
    )
    op.execute(
        "INSERT INTO layer_feature_parts (feature_id, layer_id, geom) "
        f"SELECT id, layer_id, ST_Subdivide(geom, {MAX_VERTICES}) FROM layer_features"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER layer_feature_parts_sync ON layer_features")
    op.execute("DROP FUNCTION layer_feature_parts_sync()")
    op.drop_table("layer_feature_parts")
    op.drop_index("layer_features_layer_geom_gist", "layer_features")
