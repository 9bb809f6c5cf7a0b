"""What a detection pass takes on: the hotspots, reports and sensor alarms no pass has seen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.static_areas import StaticAreas, static_areas
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
    marked with their reason here (FIRMS type in ``sql/claim_hotspots.sql``, heat sources
    and water in memory); non-fire reports are only marked seen."""
    layers: dict[str, int] = dict(
        session.execute(
            sa.text("SELECT name, id FROM layers WHERE name = ANY(:names)"),
            {"names": [heat_layer, *water_layers]},
        ).all()
    )
    hotspots = sorted(
        session.execute(sa.text(load_sql("geoops.detect", "claim_hotspots")), {"limit": limit}).all()
    )
    areas = static_areas(
        layers.get(heat_layer, -1), [layers[name] for name in water_layers if name in layers], session=session
    )
    static = _mark_static(hotspots, areas, heat_radius_m, session=session)
    reports_sql, alarms_sql = load_sql("geoops.detect", "claim_ground").split(";")
    ground = {"limit": limit, "fire_categories": list(fire_categories)}
    # each kind in id order: UPDATE ... RETURNING keeps none (rows sort by their first column, id)
    reports = sorted(session.execute(sa.text(reports_sql), ground).all())
    alarms = sorted(session.execute(sa.text(alarms_sql), ground).all())
    rows = [(HOTSPOT, r.id, float(r.epoch), r.x0, r.y0, r.x1, r.y1) for r in hotspots if r.id not in static]
    rows += [(REPORT, r.id, float(r.epoch), r.x, r.y, r.x, r.y) for r in reports if r.fire]
    rows += [(ALARM, r.id, float(r.epoch), r.x, r.y, r.x, r.y) for r in alarms]
    return Claimed(
        hotspots=[r.id for r in hotspots],
        reports=[r.id for r in reports],
        alarms=[r.id for r in alarms],
        evidence=Evidence.of(rows),
    )


def _mark_static(
    hotspots: Sequence[Any], areas: StaticAreas, heat_radius_m: float, *, session: Session
) -> set[int]:
    """Ids of the claimed hotspots that are not fires; heat-source and water ones marked."""
    open_rows = [r for r in hotspots if not r.static]
    reasons = areas.reasons(
        np.array([float(r.lon) for r in open_rows]),
        np.array([float(r.lat) for r in open_rows]),
        heat_radius_m,
    )
    marked = [(r.id, reason) for r, reason in zip(open_rows, reasons, strict=True) if reason]
    if marked:
        session.execute(
            sa.text(
                "UPDATE hotspots AS h SET static_reason = u.reason FROM unnest(CAST(:ids AS bigint[]), "
                "CAST(:reasons AS text[])) AS u(id, reason) WHERE h.id = u.id"
            ),
            {"ids": [i for i, _ in marked], "reasons": [r for _, r in marked]},
        )
    return {r.id for r in hotspots if r.static} | {i for i, _ in marked}
