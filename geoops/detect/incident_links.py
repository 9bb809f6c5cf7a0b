"""Links from new evidence to the active incidents it lies near (``sql/incident_links.sql``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.batch_links import Reach
from geoops.detect.claims import Evidence
from geoops.detect.components import Node
from geoops.detect.local_metres import expanded, metres_per_degree
from geoops.store.array_literals import array_literal
from geoops.store.sqlfiles import load_sql

SHIFT = np.array([360.0, 0.0, 360.0, 0.0])


def links_to_incidents(
    evidence: Evidence, reach: Reach, *, inactive_s: float, session: Session
) -> list[tuple[Node, Node]]:
    """(item, incident) edges for every new item within reach of an incident still active."""
    if not len(evidence):
        return []
    params: dict[str, Any] = {**_probe_arrays(evidence, reach)}
    params.update(inactive_s=inactive_s, fusion_m=reach.fusion_m, fusion_window_s=reach.fusion_s)
    rows = session.execute(sa.text(load_sql("geoops.detect", "incident_links")), params).all()
    return [((a_kind, a), (b_kind, b)) for a_kind, a, b_kind, b in rows]


def _probe_arrays(evidence: Evidence, reach: Reach) -> dict[str, str]:
    """One row per item, and one more shifted by 360° for an item searching across ±180°."""
    boxes = evidence.boxes
    search_m = reach.search_m(evidence)
    searched = expanded(boxes, search_m)
    per_lon, per_lat = metres_per_degree((boxes[:, 1] + boxes[:, 3]) / 2.0)
    west, east = np.flatnonzero(searched[:, 0] < -180.0), np.flatnonzero(searched[:, 2] > 180.0)
    rows = np.concatenate([np.arange(len(evidence)), west, east])
    shift = np.concatenate([np.zeros((len(evidence), 4)), np.tile(SHIFT, (len(west), 1)),
                            np.tile(-SHIFT, (len(east), 1))])  # fmt: skip
    shapes, areas = boxes[rows] + shift, searched[rows] + shift
    columns = {
        "kinds": evidence.kinds[rows].tolist(),
        "ids": evidence.ids[rows].tolist(),
        "t": evidence.times[rows].tolist(),
        "kx": (per_lon / per_lat)[rows].tolist(),
        "reach_deg": (search_m / per_lat)[rows].tolist(),
        "fusion_deg": (reach.fusion_m / per_lat)[rows].tolist(),
    }
    for n, name in enumerate(("x0", "y0", "x1", "y1")):
        columns[name] = shapes[:, n].tolist()
        columns["r" + name] = areas[:, n].tolist()
    return {name: array_literal(values) for name, values in columns.items()}
