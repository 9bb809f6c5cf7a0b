"""Links from new evidence to the active incidents it lies near (``sql/incident_links.sql``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.batch_links import Reach
from geoops.detect.claims import Evidence
from geoops.detect.components import Pairs, no_pairs
from geoops.detect.local_metres import across_antimeridian, expanded, metres_per_degree, shifted
from geoops.store.array_literals import array_literal
from geoops.store.sqlfiles import load_sql


def links_to_incidents(evidence: Evidence, reach: Reach, *, inactive_s: float, session: Session) -> Pairs:
    """``(row, incident id)`` for every new item within reach of an incident still active."""
    if not len(evidence):
        return no_pairs()
    params: dict[str, Any] = {
        **_probe_arrays(evidence, reach),
        "inactive_s": inactive_s,
        "fusion_m": reach.fusion_m,
        "fusion_window_s": reach.fusion_s,
    }
    rows = session.execute(sa.text(load_sql("geoops.detect", "incident_links")), params)
    # plain tuples: numpy probing SQLAlchemy rows for the array protocol costs an exception each
    return np.array([(item, incident) for item, incident in rows], dtype=np.int64).reshape(-1, 2)


def _probe_arrays(evidence: Evidence, reach: Reach) -> dict[str, str]:
    """One row per item, and one more shifted by 360° for an item searching across ±180°:
    its box, and its scale and distances at its latitude (``sql/incident_links.sql``)."""
    search_m = reach.search_m(evidence)
    rows, shifts = across_antimeridian(expanded(evidence.boxes, search_m))
    boxes = shifted(evidence.boxes[rows], shifts)
    per_lon, per_lat = metres_per_degree((boxes[:, 1] + boxes[:, 3]) / 2.0)
    columns = {
        "kinds": evidence.kinds[rows].tolist(),
        "items": rows.tolist(),
        "t": evidence.times[rows].tolist(),
        "x0": boxes[:, 0].tolist(),
        "y0": boxes[:, 1].tolist(),
        "x1": boxes[:, 2].tolist(),
        "y1": boxes[:, 3].tolist(),
        "kx": (per_lon / per_lat).tolist(),
        "reach_deg": (search_m[rows] / per_lat).tolist(),
        "fusion_deg": (reach.fusion_m / per_lat).tolist(),
    }
    return {name: array_literal(values) for name, values in columns.items()}
