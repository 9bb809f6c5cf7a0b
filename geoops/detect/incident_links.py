"""Links from new evidence to the active incidents it lies near.

A hotspot links to an incident when its footprint lies within the link distance of one of
the incident's perimeter pieces ('p' a whole perimeter cut small, 'n' pieces added since);
a report or a sensor alarm when it lies within the fusion distance of any of its shapes
(also the 'g' points of ground evidence). The pieces come from memory
(:mod:`geoops.detect.shape_cache`); distances are planar in metres at the item's latitude,
within a few metres of the geodesic ones over a few kilometres and many times cheaper.
Whether an incident is still active at the item's time (not merged, not closed, observed
within the inactivity time; ground evidence also up to the fusion window before its first
evidence) is read from the database, which dispatchers also write. A hotspot also links to
an incident only ground evidence speaks for (a point) within the fusion distance and window.
"""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.batch_links import Reach
from geoops.detect.claims import HOTSPOT, Evidence
from geoops.detect.components import Pairs, no_pairs
from geoops.detect.local_metres import box_gaps_m, boxes_near, metres_per_degree, shifted
from geoops.detect.shape_cache import ShapeCache
from geoops.store.sqlfiles import load_sql

CLOSED = ("extinguished", "dismissed")


def links_to_incidents(
    evidence: Evidence, reach: Reach, near: Pairs, *, inactive_s: float, session: Session
) -> Pairs:
    """``(row, incident id)`` for every new item within reach of an incident still active:
    ``near`` (:func:`near_pieces`) for the incidents still active, and the incidents only
    ground evidence speaks for."""
    if not len(evidence):
        return no_pairs()
    joins = _active(near, evidence, reach, inactive_s=inactive_s, session=session)
    return np.unique(
        np.concatenate([joins, _near_ground_incidents(evidence, reach, session=session)]), axis=0
    )


def near_pieces(evidence: Evidence, reach: Reach, shapes: ShapeCache) -> Pairs:
    """(row, incident) for each item within its reach of one of the incident's pieces (in
    memory only, whether the incident is active or not).

    An item meets a few pieces of each incident near it, and one within reach is enough:
    each (item, incident) first tries the piece whose box is nearest, and only the pairs
    that fail try the others, so most pieces are never measured exactly. A tried piece
    that overlaps the item's box is not measured at all."""
    if not len(shapes.geoms):
        return no_pairs()
    search_m = reach.search_m(evidence)
    row, piece, shift = boxes_near(shapes.tree, evidence.boxes, search_m)
    keep = ~((evidence.kinds[row] == HOTSPOT) & (shapes.kinds[piece] == "g"))  # hotspots: perimeters only
    row, shift, piece = row[keep], shift[keep], piece[keep]
    boxes = shifted(evidence.boxes[row], shift)
    # a box gap (scaled at the latitude between the two) is at most 1 % over the exact distance
    gap = box_gaps_m(boxes, shapes.bounds[piece])
    near = gap <= search_m[row] * 1.01 + 10.0
    row, piece, boxes, gap = row[near], piece[near], boxes[near], gap[near]
    key = shapes.incidents[piece] * len(evidence) + row  # one number per (incident, item)
    # by key, then by gap (a gap is under 1e4 m: one float sort instead of np.lexsort's two)
    order = np.argsort(key * 16384.0 + np.minimum(gap, 16000.0))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    tried = order[first]
    found = _touching(shapes.geoms[piece[tried]], boxes[tried])
    away = tried[~found]
    found[~found] = _within(shapes.geoms[piece[away]], boxes[away], search_m[row[away]])
    rest = order[~first & ~np.isin(key[order], key[tried[found]])]
    found_rest = _within(shapes.geoms[piece[rest]], boxes[rest], search_m[row[rest]])
    keys = np.unique(np.concatenate([key[tried[found]], key[rest[found_rest]]]))
    return np.column_stack([keys % len(evidence), keys // len(evidence)]).astype(np.int64)


def _touching(pieces: NDArray[np.object_], boxes: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each piece meets its box (distance 0, in any units): most new hotspots of a
    growing fire overlap a piece of its perimeter, and the piece, prepared once and kept
    so in the cache, answers that far faster than a distance."""
    shapely.prepare(pieces)  # a no-op for the pieces prepared by earlier passes
    return np.asarray(shapely.intersects(pieces, shapely.box(*boxes.T)), dtype=bool)


def _within(
    pieces: NDArray[np.object_], boxes: NDArray[np.float64], reach_m: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether each piece lies within ``reach_m`` of its box: both in metres at the box's
    latitude, from the box's south-west corner."""
    per_lon, per_lat = metres_per_degree((boxes[:, 1] + boxes[:, 3]) / 2.0)
    counts = shapely.get_num_coordinates(pieces)
    origin = np.repeat(boxes[:, :2], counts, axis=0)
    scale = np.repeat(np.column_stack([per_lon, per_lat]), counts, axis=0)
    local = shapely.transform(pieces, lambda xy: (xy - origin) * scale)
    width, height = (boxes[:, 2] - boxes[:, 0]) * per_lon, (boxes[:, 3] - boxes[:, 1]) * per_lat
    point = (width == 0) & (height == 0)
    item = np.where(point, shapely.points(0.0, 0.0), shapely.box(0.0, 0.0, width, height))
    return np.asarray(shapely.dwithin(local, item, reach_m), dtype=bool)


def _active(near: Pairs, evidence: Evidence, reach: Reach, *, inactive_s: float, session: Session) -> Pairs:
    """The pairs whose incident is active at the item's time."""
    if not len(near):
        return no_pairs()
    found = session.execute(
        sa.text(
            "SELECT id, extract(epoch FROM first_observed_at)::float8, extract(epoch FROM last_observed_at)::float8 "
            "FROM incidents WHERE id = ANY(:ids) AND merged_into_id IS NULL AND status <> ALL(:closed)"
        ),
        {"ids": np.unique(near[:, 1]).tolist(), "closed": list(CLOSED)},
    ).all()
    if not found:
        return no_pairs()
    ids = np.array([r[0] for r in found], dtype=np.int64)
    first = np.array([r[1] for r in found], dtype=np.float64)
    last = np.array([r[2] for r in found], dtype=np.float64)
    order = np.argsort(ids)
    at = np.minimum(np.searchsorted(ids[order], near[:, 1]), len(ids) - 1)
    live = ids[order][at] == near[:, 1]
    incident = order[at]
    t = evidence.times[near[:, 0]]
    hotspot = evidence.kinds[near[:, 0]] == HOTSPOT
    keep = live & (last[incident] >= t - inactive_s) & (hotspot | (first[incident] <= t + reach.fusion_s))
    return np.asarray(near[keep], dtype=np.int64)


def _near_ground_incidents(evidence: Evidence, reach: Reach, *, session: Session) -> Pairs:
    """(hotspot row, incident) for incidents only ground evidence speaks for (a point):
    within the fusion distance of the point and the fusion window of its evidence."""
    hotspots = np.flatnonzero(evidence.kinds == HOTSPOT)
    if not len(hotspots):
        return no_pairs()
    times = evidence.times[hotspots]
    found = session.execute(
        sa.text(load_sql("geoops.detect", "ground_incidents")),
        {"since": float(times.min()) - reach.fusion_s, "closed": list(CLOSED)},
    ).all()
    if not found:
        return no_pairs()
    ids = np.array([r[0] for r in found], dtype=np.int64)
    spots = np.array([(r[1], r[2], r[1], r[2]) for r in found], dtype=np.float64)
    first = np.array([r[3] for r in found], dtype=np.float64)
    last = np.array([r[4] for r in found], dtype=np.float64)
    tree = shapely.STRtree(shapely.points(spots[:, 0], spots[:, 1]))
    item, incident, shift = boxes_near(tree, evidence.boxes[hotspots], np.full(len(hotspots), reach.fusion_m))
    gap = box_gaps_m(shifted(evidence.boxes[hotspots][item], shift), spots[incident])
    t = times[item]
    keep = (
        (gap <= reach.fusion_m)
        & (t >= first[incident] - reach.fusion_s)
        & (t <= last[incident] + reach.fusion_s)
    )
    return np.column_stack([hotspots[item[keep]], ids[incident[keep]]]).astype(np.int64)
