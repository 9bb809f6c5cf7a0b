"""What a detection pass takes on: the hotspots, reports and sensor alarms no pass has seen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.store.sqlfiles import load_sql

HOTSPOT, REPORT, ALARM = "h", "r", "a"


@dataclass(frozen=True)
class Evidence:
    """The fire evidence of a pass as columns: kind (``h``, ``r``, ``a``), id, observation
    time (epoch seconds) and the box of its shape in degrees (a point for ground evidence).
    Pixel footprints are lon/lat envelopes, so the box is the shape itself."""

    kinds: NDArray[np.str_]
    ids: NDArray[np.int64]
    times: NDArray[np.float64]  # exact to the microsecond: SQL takes them back with to_timestamp
    boxes: NDArray[np.float64]  # (n, 4): xmin, ymin, xmax, ymax

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nodes(self) -> list[tuple[str, int]]:
        return list(zip(self.kinds.tolist(), self.ids.tolist(), strict=True))

    def index(self) -> dict[tuple[str, int], int]:
        """Row number of each node."""
        return {node: n for n, node in enumerate(self.nodes)}

    @classmethod
    def of(cls, rows: Sequence[tuple[str, int, float, float, float, float, float]]) -> Evidence:
        """From ``(kind, id, epoch seconds, xmin, ymin, xmax, ymax)`` rows."""
        kinds = np.array([r[0] for r in rows], dtype="<U1")
        ids = np.array([r[1] for r in rows], dtype=np.int64)
        numbers = np.array([r[2:] for r in rows], dtype=np.float64).reshape(len(rows), 5)
        return cls(kinds, ids, numbers[:, 0], numbers[:, 1:])


@dataclass(frozen=True)
class Claimed:
    """Ids claimed (locked and marked seen) by this pass, and the fire evidence among them."""

    hotspots: list[int]
    reports: list[int]
    alarms: list[int]
    evidence: Evidence

    @property
    def nothing(self) -> bool:
        return not (self.hotspots or self.reports or self.alarms)


def claim_new_evidence(
    *,
    limit: int,
    heat_layer: str,
    heat_radius_m: float,
    water_layers: tuple[str, ...],
    fire_categories: tuple[str, ...],
    session: Session,
) -> Claimed:
    """Lock up to ``limit`` unseen rows of each kind and mark them seen. Static hotspots are
    marked with their reason here (``sql/claim_hotspots.sql``); non-fire reports are only
    marked seen."""
    layers: dict[str, int] = dict(
        session.execute(
            sa.text("SELECT name, id FROM layers WHERE name = ANY(:names)"),
            {"names": [heat_layer, *water_layers]},
        ).all()
    )
    hotspots = sorted(
        session.execute(
            sa.text(load_sql("geoops.detect", "claim_hotspots")),
            {
                "limit": limit,
                "heat_layer_id": layers.get(heat_layer, -1),
                "heat_radius_m": heat_radius_m,
                "water_layer_ids": [layers[name] for name in water_layers if name in layers],
            },
        ).all()
    )
    reports_sql, alarms_sql = load_sql("geoops.detect", "claim_ground").split(";")
    ground = {"limit": limit, "fire_categories": list(fire_categories)}
    # each kind in id order: UPDATE ... RETURNING keeps none (rows sort by their first column, id)
    reports = sorted(session.execute(sa.text(reports_sql), ground).all())
    alarms = sorted(session.execute(sa.text(alarms_sql), ground).all())
    rows = [(HOTSPOT, r.id, float(r.epoch), r.x0, r.y0, r.x1, r.y1) for r in hotspots if not r.static]
    rows += [(REPORT, r.id, float(r.epoch), r.x, r.y, r.x, r.y) for r in reports if r.fire]
    rows += [(ALARM, r.id, float(r.epoch), r.x, r.y, r.x, r.y) for r in alarms]
    return Claimed(
        hotspots=[r.id for r in hotspots],
        reports=[r.id for r in reports],
        alarms=[r.id for r in alarms],
        evidence=Evidence.of(rows),
    )
