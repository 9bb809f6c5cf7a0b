"""Links among the new evidence of one pass, found in memory: the batch is a few thousand
boxes, so an STRtree and vectorised box distances beat a spatial self-join in the database.

Hotspots link to hotspots within the link distance and window; any pair with a report or
a sensor alarm within the fusion distance and window. A box whose search area crosses
±180° also searches shifted by 360° (Chukotka spans the antimeridian).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from geoops.detect.claims import HOTSPOT, Evidence
from geoops.detect.components import Node
from geoops.detect.local_metres import box_gaps_m, expanded


@dataclass(frozen=True)
class Reach:
    link_m: float
    link_s: float
    fusion_m: float
    fusion_s: float

    def search_m(self, evidence: Evidence) -> NDArray[np.float64]:
        """How far each item searches: hotspots the link distance, ground evidence the fusion one."""
        return np.where(evidence.kinds == HOTSPOT, self.link_m, self.fusion_m)


def links_within_batch(evidence: Evidence, reach: Reach) -> list[tuple[Node, Node]]:
    """Every pair of new items that belongs to one fire, as node pairs."""
    if len(evidence) < 2:
        return []
    boxes = evidence.boxes
    point = (boxes[:, 0] == boxes[:, 2]) & (boxes[:, 1] == boxes[:, 3])  # reports and alarms
    shapes = np.where(
        point,
        shapely.points(boxes[:, 0], boxes[:, 1]),
        shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]),
    )
    tree = shapely.STRtree(shapes)
    searched = expanded(boxes, reach.search_m(evidence))
    found_a: list[NDArray[np.int64]] = []
    found_b: list[NDArray[np.int64]] = []
    for shift in (0.0, 360.0, -360.0):
        crossing = _crossing(searched, shift)
        if not crossing.any():
            continue
        area = searched[crossing] + np.array([shift, 0.0, shift, 0.0])
        index = np.flatnonzero(crossing)
        hits = tree.query(shapely.box(area[:, 0], area[:, 1], area[:, 2], area[:, 3]), predicate="intersects")
        a, b = index[hits[0]], hits[1]
        keep = a != b  # a pair may be found from one side only: ground evidence reaches farther
        a, b = a[keep], b[keep]
        shifted = boxes[a] + np.array([shift, 0.0, shift, 0.0])
        both_hotspots = (evidence.kinds[a] == HOTSPOT) & (evidence.kinds[b] == HOTSPOT)
        limit_m = np.where(both_hotspots, reach.link_m, reach.fusion_m)
        limit_s = np.where(both_hotspots, reach.link_s, reach.fusion_s)
        near = (box_gaps_m(shifted, boxes[b]) <= limit_m) & (
            np.abs(evidence.times[a] - evidence.times[b]) <= limit_s
        )
        found_a.append(a[near])
        found_b.append(b[near])
    if not found_a:
        return []
    pairs = np.unique(
        np.sort(np.column_stack([np.concatenate(found_a), np.concatenate(found_b)]), axis=1), axis=0
    )
    a, b = pairs[:, 0], pairs[:, 1]
    kinds, ids = evidence.kinds.tolist(), evidence.ids.tolist()
    return [((kinds[i], ids[i]), (kinds[j], ids[j])) for i, j in zip(a.tolist(), b.tolist(), strict=True)]


def _crossing(searched: NDArray[np.float64], shift: float) -> NDArray[np.bool_]:
    """Which search areas to query at this shift: all unshifted, else those over ±180°."""
    if shift == 0.0:
        return np.ones(len(searched), dtype=bool)
    if shift > 0:
        return np.asarray(searched[:, 0] < -180.0)
    return np.asarray(searched[:, 2] > 180.0)
