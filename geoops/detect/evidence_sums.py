"""What the evidence a pass attached adds to each incident's figures, summed in memory.

The claim read every figure the refresh needs (times, ingest times, FRP, confidence,
points), so the sums per incident are numpy reductions over the attached rows, and the
refresh (``sql/refresh_incidents.sql``) receives one row per incident instead of looking
up thousands of hotspots again. Each sum is what SQL would give over the same rows:
hotspots counted, earliest and latest evidence, earliest ingest, largest FRP and
confidence (NULL when none), the middle and the box of the hotspots' points (the mean of
the points is ``ST_Centroid`` of their collection) and the UTC days they were seen on;
and the box of all the evidence's shapes, for jurisdiction links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from geoops.detect.claims import HOTSPOT, Evidence, Facts
from geoops.store.binary_arrays import PackedArray, float8_array, int8_array

DAY_S = 86_400
DAYS_SPAN = 1 << 20  # a pass's hotspots span fewer days than this (2,870 years)
FRESH = ("incidents", "hotspots", "first", "last", "ingested", "frp", "confidence", "mid_x", "mid_y",
         "x0", "y0", "x1", "y1")  # fmt: skip
COUNTED = ("incidents", "hotspots")  # bigint; the others float8


@dataclass(frozen=True)
class Sums:
    """What attached evidence adds, per incident: the refresh's ``fresh_*`` and ``day_*``
    parameters (binary arrays), and the box of the evidence's shapes (footprints, points)
    as ``(incident, xmin, ymin, xmax, ymax)``, what jurisdiction links are tested from."""

    params: Mapping[str, PackedArray] = field(
        default_factory=lambda: (
            {f"fresh_{n}": int8_array([]) if n in COUNTED else float8_array([]) for n in FRESH}
            | {"day_incidents": int8_array([]), "days": int8_array([])}
        )
    )
    boxes: list[tuple[int, float, float, float, float]] = field(default_factory=list)


def sums_by_incident(
    incidents: NDArray[np.int64], rows: NDArray[np.int64], evidence: Evidence, facts: Facts
) -> Sums:
    """The sums for evidence ``rows`` attached to ``incidents`` (one per row)."""
    if not len(rows):
        return Sums()
    order = np.argsort(incidents, kind="stable")
    incidents, rows = incidents[order], rows[order]
    starts = np.flatnonzero(np.diff(incidents, prepend=incidents[0] - 1))
    hot = evidence.kinds[rows] == HOTSPOT
    count = np.add.reduceat(hot.astype(np.int64), starts)
    times = evidence.times[rows]
    lon = np.where(hot, facts.points[rows, 0], np.nan)  # hotspots' points only
    lat = np.where(hot, facts.points[rows, 1], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):  # no hotspot: NaN, sent as NULL
        mid_x = np.add.reduceat(np.nan_to_num(lon), starts) / count
        mid_y = np.add.reduceat(np.nan_to_num(lat), starts) / count
    # each (incident, UTC day) once, as one number (np.unique on rows sorts several times slower)
    day = np.floor(times[hot] / DAY_S).astype(np.int64)
    first_day = int(day.min(initial=0))
    day_keys = np.unique(incidents[hot] * DAYS_SPAN + (day - first_day))
    ids = incidents[starts]
    low = np.minimum.reduceat(evidence.boxes[rows, :2], starts, axis=0)
    high = np.maximum.reduceat(evidence.boxes[rows, 2:], starts, axis=0)
    params = {
        "fresh_incidents": int8_array(ids),
        "fresh_hotspots": int8_array(count),
        "fresh_first": float8_array(np.minimum.reduceat(times, starts)),
        "fresh_last": float8_array(np.maximum.reduceat(times, starts)),
        "fresh_ingested": float8_array(np.fmin.reduceat(facts.ingested[rows], starts)),
        "fresh_frp": float8_array(np.fmax.reduceat(facts.frp[rows], starts)),
        "fresh_confidence": float8_array(np.fmax.reduceat(facts.confidence[rows], starts)),
        "fresh_mid_x": float8_array(mid_x),
        "fresh_mid_y": float8_array(mid_y),
        "fresh_x0": float8_array(np.fmin.reduceat(lon, starts)),
        "fresh_y0": float8_array(np.fmin.reduceat(lat, starts)),
        "fresh_x1": float8_array(np.fmax.reduceat(lon, starts)),
        "fresh_y1": float8_array(np.fmax.reduceat(lat, starts)),
        "day_incidents": int8_array(day_keys // DAYS_SPAN),
        "days": int8_array(day_keys % DAYS_SPAN + first_day),
    }
    boxes = [(i, *lo, *hi) for i, lo, hi in zip(ids.tolist(), low.tolist(), high.tolist(), strict=True)]
    return Sums(params, boxes)
