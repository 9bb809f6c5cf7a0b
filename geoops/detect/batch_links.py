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
from geoops.detect.components import Pairs, no_pairs
from geoops.detect.local_metres import box_gaps_m, boxes_near, shifted


@dataclass(frozen=True)
class Reach:
    link_m: float
    link_s: float
    fusion_m: float
    fusion_s: float

    def search_m(self, evidence: Evidence) -> NDArray[np.float64]:
        """How far each item searches: hotspots the link distance, ground evidence the fusion one."""
        return np.where(evidence.kinds == HOTSPOT, self.link_m, self.fusion_m)


def links_within_batch(evidence: Evidence, reach: Reach) -> Pairs:
    """Every pair of new items that belongs to one fire, as rows ``(a, b)`` with a < b."""
    if len(evidence) < 2:
        return no_pairs()
    boxes = evidence.boxes
    point = (boxes[:, 0] == boxes[:, 2]) & (boxes[:, 1] == boxes[:, 3])  # reports and alarms
    shapes = np.where(
        point,
        shapely.points(boxes[:, 0], boxes[:, 1]),
        shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]),
    )
    # boxes and points: meeting boxes is meeting shapes, so no GEOS predicate per candidate
    a, b, shift = boxes_near(shapely.STRtree(shapes), boxes, reach.search_m(evidence))
    keep = a != b  # a pair may be found from one side only: ground evidence reaches farther
    a, b, shift = a[keep], b[keep], shift[keep]
    both_hotspots = (evidence.kinds[a] == HOTSPOT) & (evidence.kinds[b] == HOTSPOT)
    limit_m = np.where(both_hotspots, reach.link_m, reach.fusion_m)
    limit_s = np.where(both_hotspots, reach.link_s, reach.fusion_s)
    near = (box_gaps_m(shifted(boxes[a], shift), boxes[b]) <= limit_m) & (
        np.abs(evidence.times[a] - evidence.times[b]) <= limit_s
    )
    # each pair once: as one number, low * n + high (np.unique on rows sorts 5x slower)
    n = len(evidence)
    low, high = np.minimum(a[near], b[near]), np.maximum(a[near], b[near])
    keys = np.unique(low.astype(np.int64) * n + high)
    return np.column_stack([keys // n, keys % n])
