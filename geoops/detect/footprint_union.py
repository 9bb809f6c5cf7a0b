"""What a pass adds to each incident's perimeter: the union of its new pixel footprints.

Footprints are lon/lat boxes, known in memory from the claim, so their union per incident
is computed here (GEOS through shapely, the same ``buffer(0)`` of the collected boxes the
database would run) in a worker thread while the database attaches the evidence; the
refresh then only meets it with each perimeter so far. Corners are snapped to the 1e-6°
grid the API serves, as ``ST_SnapToGrid`` would, so the union stays on it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

GRID_DEG = 0.000001

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoops-footprints")


@dataclass(frozen=True)
class NewShapes:
    """Each incident's new footprints merged: incident ids and WKB, in the same order."""

    incidents: list[int]
    shapes: list[bytes]


def start_union(incidents: NDArray[np.int64], boxes: NDArray[np.float64]) -> Future[NewShapes]:
    """The union per incident of these boxes (one per row, its incident alongside), in a
    worker thread."""
    return _WORKER.submit(union_by_incident, incidents, boxes)


def union_by_incident(incidents: NDArray[np.int64], boxes: NDArray[np.float64]) -> NewShapes:
    """Boxes with no area (reports, alarms, a degenerate footprint) add nothing."""
    snapped = np.rint(boxes / GRID_DEG) * GRID_DEG
    keep = (snapped[:, 2] > snapped[:, 0]) & (snapped[:, 3] > snapped[:, 1])
    incidents, snapped = incidents[keep], snapped[keep]
    if not len(incidents):
        return NewShapes([], [])
    order = np.argsort(incidents, kind="stable")
    incidents, snapped = incidents[order], snapped[order]
    polygons = shapely.box(snapped[:, 0], snapped[:, 1], snapped[:, 2], snapped[:, 3])
    ids, group = np.unique(incidents, return_inverse=True)
    merged = shapely.buffer(shapely.multipolygons(polygons, indices=group), 0)  # one call for all
    return NewShapes(ids.tolist(), [bytes(w) for w in shapely.to_wkb(merged)])
