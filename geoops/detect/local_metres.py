"""Metres per degree on the WGS84 ellipsoid, for distances at the scale of a pixel or a fire.

Over a few kilometres a lon/lat box is a rectangle in metres scaled by these factors at its
latitude (an error far below a pixel), which is how detection measures link distances
without geodesic arithmetic on every candidate pair.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

MIN_COS_LAT = 0.01  # near the poles a degree of longitude is never taken as shorter than this


def metres_per_degree(latitude: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(metres per degree of longitude, of latitude) at each latitude in degrees. The series
    in cos 2φ, cos 4φ and cos 3φ are written in cos φ alone (one cosine per latitude: these
    run on every candidate pair of a pass)."""
    c = np.cos(np.radians(latitude))
    c2 = c * c
    cos_2phi = 2.0 * c2 - 1.0
    along_lat = 111132.954 - 559.822 * cos_2phi + 1.175 * (2.0 * cos_2phi * cos_2phi - 1.0)
    along_lon = 111412.84 * c - 93.5 * c * (4.0 * c2 - 3.0)
    return np.maximum(along_lon, 111320.0 * MIN_COS_LAT), along_lat


def box_gaps_m(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distance in metres between lon/lat boxes (rows of xmin, ymin, xmax, ymax), pairwise;
    0 where they touch or overlap. Measured at the latitude between the two boxes."""
    gap_x = np.maximum(0.0, np.maximum(a[:, 0], b[:, 0]) - np.minimum(a[:, 2], b[:, 2]))
    gap_y = np.maximum(0.0, np.maximum(a[:, 1], b[:, 1]) - np.minimum(a[:, 3], b[:, 3]))
    per_lon, per_lat = metres_per_degree((a[:, 1] + a[:, 3] + b[:, 1] + b[:, 3]) / 4.0)
    return np.asarray(np.hypot(gap_x * per_lon, gap_y * per_lat), dtype=np.float64)


def expanded(boxes: NDArray[np.float64], metres: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each box grown by ``metres`` on every side (at the box's own latitude)."""
    per_lon, per_lat = metres_per_degree((boxes[:, 1] + boxes[:, 3]) / 2.0)
    dx, dy = metres / per_lon, metres / per_lat
    return np.column_stack([boxes[:, 0] - dx, boxes[:, 1] - dy, boxes[:, 2] + dx, boxes[:, 3] + dy])


def across_antimeridian(
    searched: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The searches to run for these search boxes: (row, shift of longitude) for every row
    as it is, and once more shifted by 360° for a box that reaches over ±180°."""
    west, east = np.flatnonzero(searched[:, 0] < -180.0), np.flatnonzero(searched[:, 2] > 180.0)
    rows = np.concatenate([np.arange(len(searched)), west, east])
    shifts = np.concatenate([np.zeros(len(searched)), np.full(len(west), 360.0), np.full(len(east), -360.0)])
    return rows, shifts


def shifted(boxes: NDArray[np.float64], shifts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Boxes moved east by ``shifts`` degrees of longitude."""
    return boxes + np.column_stack([shifts, np.zeros_like(shifts), shifts, np.zeros_like(shifts)])


def boxes_near(
    tree: shapely.STRtree, boxes: NDArray[np.float64], metres: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Candidates from ``tree`` whose boxes meet each box grown by ``metres`` (searched once
    more across ±180° where it reaches over): (row of the box, index in the tree, shift of
    longitude to apply to the box before measuring)."""
    searched = expanded(boxes, metres)
    rows, shifts = across_antimeridian(searched)
    area = shifted(searched[rows], shifts)
    query, hit = tree.query(shapely.box(area[:, 0], area[:, 1], area[:, 2], area[:, 3]))
    return rows[query], np.asarray(hit, dtype=np.int64), shifts[query]
