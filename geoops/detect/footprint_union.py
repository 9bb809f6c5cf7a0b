"""What a pass adds to each incident's perimeter: the union of its new pixel footprints.

Footprints are lon/lat boxes, known in memory from the claim, so their union per incident
is computed here (GEOS through shapely: ``buffer(0)`` of the collected boxes where they
tile, as one overpass's pixels do, and an overlay union where several overpasses stacked
them, each about twice as fast as the other there) in worker threads while the database
opens, merges and attaches (``perimeter_growth.py``, which then meets it with each
perimeter so far).
Corners are snapped to the 1e-6° grid the API serves, as ``ST_SnapToGrid`` would, so the
union stays on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

GRID_DEG = 0.000001
# boxes overlapping by more than this share of their area: an overlay union (over the 20
# passes of bench/detection_speed.py: 0.2 took 1.06 s in all, 0.4 0.92 s, buffer(0) alone 0.92 s
# but twice as long on the first pass, where five overpasses stacked the pixels)
STACKED_SHARE = 0.4


@dataclass(frozen=True)
class NewShapes:
    """Each incident's new footprints merged: incident ids and WKB, in the same order."""

    incidents: list[int]
    shapes: list[bytes]


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
    merged = np.empty(len(ids), dtype=object)
    stacked = stacked_groups(snapped, polygons, group, len(ids))
    tiled = ~stacked[group]
    if tiled.any():  # one buffer(0) call for all of these
        kept, at = np.unique(group[tiled], return_inverse=True)
        merged[kept] = shapely.buffer(shapely.multipolygons(polygons[tiled], indices=at), 0)
    counts = np.bincount(group, minlength=len(ids))  # rows sorted: each group's are one run
    ends = np.cumsum(counts)
    for g in np.flatnonzero(stacked).tolist():
        merged[g] = shapely.union_all(polygons[ends[g] - counts[g] : ends[g]])
    return NewShapes(ids.tolist(), [bytes(w) for w in shapely.to_wkb(merged)])


def stacked_groups(
    boxes: NDArray[np.float64], polygons: NDArray[np.object_], group: NDArray[np.intp], groups: int
) -> NDArray[np.bool_]:
    """Which groups' boxes overlap by more than ``STACKED_SHARE`` of their area (several
    overpasses stacked over one fire): an overlay union merges those about twice as fast as
    ``buffer(0)``, which is the faster one for boxes that tile or overlap less."""
    left, right = shapely.STRtree(polygons).query(polygons)  # boxes: box overlap is overlap
    pair = (left < right) & (group[left] == group[right])
    a, b = boxes[left[pair]], boxes[right[pair]]
    shared = np.maximum(0.0, np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])) * np.maximum(
        0.0, np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    )
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    overlap = np.bincount(group[left[pair]], weights=shared, minlength=groups)
    return np.asarray(overlap > STACKED_SHARE * np.bincount(group, weights=area, minlength=groups))
