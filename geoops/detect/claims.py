"""What a detection pass takes on: the hotspots, reports and sensor alarms no pass has seen."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.sqlfiles import load_sql


@dataclass(frozen=True)
class Claimed:
    """Ids claimed (locked) by this pass: all of them, and those that are fire evidence."""

    hotspots: list[int]
    fire_hotspots: list[int]
    reports: list[int]
    fire_reports: list[int]
    alarms: list[int]

    @property
    def nothing(self) -> bool:
        return not (self.hotspots or self.reports or self.alarms)

    @property
    def evidence(self) -> bool:
        return bool(self.fire_hotspots or self.fire_reports or self.alarms)


def claim_new_evidence(
    *,
    limit: int,
    heat_layer: str,
    heat_radius_m: float,
    water_layers: tuple[str, ...],
    fire_categories: tuple[str, ...],
    session: Session,
) -> Claimed:
    """Lock up to ``limit`` unseen rows of each kind. Static hotspots are marked with their
    reason here (``sql/claim_hotspots.sql``); non-fire reports are claimed only to be marked seen."""
    layers: dict[str, int] = dict(
        session.execute(
            sa.text("SELECT name, id FROM layers WHERE name = ANY(:names)"),
            {"names": [heat_layer, *water_layers]},
        ).all()
    )
    hotspots = session.execute(
        sa.text(load_sql("geoops.detect", "claim_hotspots")),
        {
            "limit": limit,
            "heat_layer_ids": [layers[heat_layer]] if heat_layer in layers else [],
            "heat_radius_m": heat_radius_m,
            "water_layer_ids": [layers[name] for name in water_layers if name in layers],
        },
    ).all()
    reports_sql, alarms_sql = load_sql("geoops.detect", "claim_ground").split(";")
    ground = {"limit": limit, "fire_categories": list(fire_categories)}
    reports = session.execute(sa.text(reports_sql), ground).all()
    alarms = session.execute(sa.text(alarms_sql), ground).all()
    return Claimed(
        hotspots=[r.id for r in hotspots],
        fire_hotspots=[r.id for r in hotspots if not r.static],
        reports=[r.id for r in reports],
        fire_reports=[r.id for r in reports if r.fire],
        alarms=[r.id for r in alarms],
    )


MARK_SEEN = {
    table: f"UPDATE {table} SET detected_at = now() WHERE id = ANY(:ids)"  # noqa: S608 (fixed names)
    for table in ("hotspots", "reports", "sensor_alarms")
}


def mark_seen(claimed: Claimed, *, session: Session) -> None:
    for table, ids in (
        ("hotspots", claimed.hotspots),
        ("reports", claimed.reports),
        ("sensor_alarms", claimed.alarms),
    ):
        if ids:
            session.execute(sa.text(MARK_SEEN[table]), {"ids": ids})
