"""Shapes cut into pieces of at most so many vertices, in memory, as ``ST_Subdivide`` does.

Each polygon with too many vertices is cut in two across the middle of the longer side of
its box, and each half again, until every piece is small enough: a piece has a tight box, so
a probe of the linking shapes meets few pieces and measures small ones. The cut is
``clip_by_rect``, GEOS's fast rectangle clip: the halves cover the shape exactly (its edges
and the cut lines are axis-parallel or clipped exactly), though a half may not be a valid
polygon in the OGC sense, which distances to it do not need.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

MAX_DEPTH = 24  # halvings of a box at most: a 1e-6 degree grid is reached long before


def subdivide(shapes: NDArray[np.object_], max_vertices: int) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """The pieces of each shape (polygonal, or empty) and, for each piece, the index of the
    shape it was cut from."""
    parts, owner = shapely.get_parts(shapes, return_index=True)
    parts = np.asarray(parts, dtype=object)
    keep = ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    done_parts: list[NDArray[np.object_]] = []
    done_owner: list[NDArray[np.intp]] = []
    for _ in range(MAX_DEPTH):
        small = shapely.get_num_coordinates(parts) <= max_vertices
        done_parts.append(parts[small])
        done_owner.append(owner[small])
        parts, owner = parts[~small], owner[~small]
        if not len(parts):
            break
        x0, y0, x1, y1 = np.asarray(shapely.bounds(parts), dtype=np.float64).T
        wide = (x1 - x0) >= (y1 - y0)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        ax1, ay1 = np.where(wide, mx, x1).tolist(), np.where(wide, y1, my).tolist()
        bx0, by0 = np.where(wide, mx, x0).tolist(), np.where(wide, y0, my).tolist()
        cut = np.empty(2 * len(parts), dtype=object)  # clip_by_rect takes one rectangle a call
        for k, (part, a, b, c, d) in enumerate(
            zip(parts.tolist(), x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist(), strict=True)
        ):
            cut[k] = shapely.clip_by_rect(part, a, b, ax1[k], ay1[k])
            cut[len(parts) + k] = shapely.clip_by_rect(part, bx0[k], by0[k], c, d)
        halves, at = shapely.get_parts(cut, return_index=True)
        halves = np.asarray(halves, dtype=object)
        polygonal = shapely.get_type_id(halves) == 3  # a clip may leave a line along the cut
        parts, owner = halves[polygonal], np.concatenate([owner, owner])[at[polygonal]]
    done_parts.append(parts)  # what MAX_DEPTH halvings left larger (never, on real shapes)
    done_owner.append(owner)
    return np.concatenate(done_owner), np.concatenate(done_parts)
