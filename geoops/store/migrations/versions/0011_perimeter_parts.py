"""Incidents are found through pieces of their perimeter instead of every pixel footprint:
incident_shapes keeps each perimeter ST_Subdivide'd ('p'), the pieces passes added since
('n'), next to the ground points ('g'), and ground evidence has its
own partial index, so a pass never reads all of a fire's hotspots; each evidence row enters
only the unique index of the item it has.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PART_VERTICES = 32  # geoops.detect.detection_pass.PERIMETER_PART_VERTICES when this was written


EVIDENCE_ITEMS = ("hotspot", "report", "alarm")


def upgrade() -> None:
    for item in EVIDENCE_ITEMS:  # partial: a row enters only the index of the item it has
        op.drop_constraint(f"incident_evidence_{item}_once", "incident_evidence", type_="unique")
        op.create_index(
            f"incident_evidence_{item}_once",
            "incident_evidence",
            [f"{item}_id"],
            unique=True,
            postgresql_where=f"{item}_id IS NOT NULL",
        )
    # a derived index filled by the thousand per pass: no row-by-row foreign-key checks
    op.drop_constraint("incident_shapes_incident_id_fkey", "incident_shapes", type_="foreignkey")
    op.drop_constraint("incident_shapes_kind", "incident_shapes", type_="check")
    op.execute("DELETE FROM incident_shapes WHERE kind = 'h'")
    op.execute(
        "INSERT INTO incident_shapes (incident_id, kind, geom) "
        f"SELECT i.id, 'p', ST_Subdivide(i.geom, {PART_VERTICES}) FROM incidents AS i "
        "WHERE i.merged_into_id IS NULL AND ST_Dimension(i.geom) = 2"
    )
    op.create_check_constraint("incident_shapes_kind", "incident_shapes", "kind IN ('p', 'n', 'g')")
    op.create_index(
        "incident_evidence_ground",
        "incident_evidence",
        ["incident_id"],
        postgresql_where="hotspot_id IS NULL",
    )


def downgrade() -> None:
    for item in EVIDENCE_ITEMS:
        op.drop_index(f"incident_evidence_{item}_once", "incident_evidence")
        op.create_unique_constraint(f"incident_evidence_{item}_once", "incident_evidence", [f"{item}_id"])
    op.create_foreign_key(
        "incident_shapes_incident_id_fkey",
        "incident_shapes",
        "incidents",
        ["incident_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_index("incident_evidence_ground", "incident_evidence")
    op.drop_constraint("incident_shapes_kind", "incident_shapes", type_="check")
    op.execute("DELETE FROM incident_shapes WHERE kind IN ('p', 'n')")
    op.execute(
        "INSERT INTO incident_shapes (incident_id, kind, geom) "
        "SELECT e.incident_id, 'h', h.footprint FROM incident_evidence AS e "
        "JOIN hotspots AS h ON h.id = e.hotspot_id"
    )
    op.create_check_constraint("incident_shapes_kind", "incident_shapes", "kind IN ('h', 'g')")
