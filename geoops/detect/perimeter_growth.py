"""Each incident's perimeter after a pass: its perimeter so far, met with the perimeters of
the incidents it absorbed and its new footprints, with the area and a point inside.

Computed in memory (GEOS through shapely, which lets go of the interpreter lock) in two
worker threads: as soon as the new items are linked among themselves, each merges the new
footprints of its share of those clusters
(:func:`~geoops.detect.footprint_union.union_by_incident`) while the pass links them to
incidents; then, while the database opens, merges and attaches, each meets the new
footprints of its share of the components (clusters joined through incidents) with the
perimeters so far; the refresh only writes the results: the overlay with each whole
perimeter, its equal-area measure and a point on its surface were the largest part of the
refresh in the database (over the 328 perimeters of a late pass of the speed scenario:
overlay 180 ms, area 30-47 ms and point 32-36 ms there; 105 ms, 6-9 ms and 1 ms here).
Perimeters are unions of boxes on the 1e-6 degree grid, so their unions stay on it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from geoops.detect.footprint_union import NewShapes, union_by_incident
from geoops.store.binary_arrays import BinaryArray, float8_array, int8_array

EQUAL_AREA_EPSG = 6933  # EASE-Grid 2.0: equal-area on the ellipsoid, as the refresh measured before
POLYGON = 3  # shapely's type id of a polygon
SHARES = 2  # worker threads, one share of the components each: the machine's two cores
_WORKERS = ThreadPoolExecutor(max_workers=SHARES, thread_name_prefix="geoops-perimeters")
_LOCAL = threading.local()  # a pyproj Transformer is not to be shared between threads


@dataclass(frozen=True)
class Perimeters:
    """The perimeters a pass changed, in the same order: incident ids, WKB multipolygons
    (``None``: nothing with an area), hectares, and a point on each surface."""

    incidents: list[int] = field(default_factory=list)
    shapes: list[bytes | None] = field(default_factory=list)
    hectares: list[float] = field(default_factory=list)
    inside_x: list[float | None] = field(default_factory=list)
    inside_y: list[float | None] = field(default_factory=list)

    @property
    def params(self) -> dict[str, Any]:
        return {
            "grown_incidents": int8_array(self.incidents),
            "grown_shapes": BinaryArray(self.shapes),
            "grown_ha": float8_array(self.hectares),
            "grown_x": float8_array(self.inside_x),  # None (an empty perimeter) as NULL
            "grown_y": float8_array(self.inside_y),
        }


@dataclass(frozen=True)
class Growth:
    """What a pass adds: each incident's new footprints merged (for its indexed pieces) and
    its perimeter after the pass."""

    new: NewShapes = field(default_factory=lambda: NewShapes([], []))
    perimeters: Perimeters = field(default_factory=Perimeters)


@dataclass(frozen=True)
class Share:
    """Some of the pass's clusters (their labels), their boxes counted, and the union of
    each one's new footprints."""

    components: NDArray[np.intp]
    boxes: NDArray[np.int64]
    union: Future[NewShapes]


def start_union(labels: NDArray[np.int64], boxes: NDArray[np.float64]) -> list[Share]:
    """The union of each label's boxes (``labels``: a cluster of each box), in :data:`SHARES`
    worker threads with about as many boxes each."""
    sizes = np.bincount(labels) if len(labels) else np.zeros(0, dtype=np.int64)
    share_of = _balanced(sizes)
    row_share = share_of[labels]
    return [
        Share(
            np.flatnonzero(share_of == k),
            sizes[share_of == k],
            _WORKERS.submit(union_by_incident, labels[row_share == k], boxes[row_share == k]),
        )
        for k in range(SHARES)
    ]


def _balanced(sizes: NDArray[np.int64]) -> NDArray[np.intp]:
    """The share of each item: the largest first, each to the share with the least so far."""
    share_of = np.zeros(len(sizes), dtype=np.intp)
    held = [0] * SHARES
    for item in np.argsort(-sizes, kind="stable").tolist():
        k = held.index(min(held))
        share_of[item] = k
        held[k] += int(sizes[item])
    return share_of


class Growing:
    """The perimeters of a pass being grown in the worker threads, share by share."""

    def __init__(self, parts: list[Future[Growth]]) -> None:
        self._parts = parts

    def result(self) -> Growth:
        done = [p.result() for p in self._parts]
        return Growth(
            NewShapes([i for g in done for i in g.new.incidents], [s for g in done for s in g.new.shapes]),
            Perimeters(
                incidents=[i for g in done for i in g.perimeters.incidents],
                shapes=[s for g in done for s in g.perimeters.shapes],
                hectares=[h for g in done for h in g.perimeters.hectares],
                inside_x=[x for g in done for x in g.perimeters.inside_x],
                inside_y=[y for g in done for y in g.perimeters.inside_y],
            ),
        )


def start_growth(
    unions: list[Share],
    clusters: NDArray[np.int64],
    incident_of: list[int],
    so_far: dict[int, bytes],
    merged: dict[int, list[int]],
) -> Growing:
    """:func:`grow` of the pass's components in the worker threads, a share each (the
    largest first, each to the share with the fewest boxes so far), once the unions are
    done. ``unions``: the new footprints merged by cluster (the new items linked among
    themselves, before links to incidents); ``clusters``: the component each cluster
    belongs to; ``incident_of``: the incident each component became."""
    sizes = np.zeros(len(incident_of), dtype=np.int64)
    for share in unions:
        np.add.at(sizes, clusters[share.components], share.boxes)
    shares = _balanced(sizes)

    def run(mine: set[int]) -> Growth:
        parts: dict[int, list[bytes]] = {}
        for share in unions:
            done = share.union.result()
            for cluster, shape in zip(done.incidents, done.shapes, strict=True):
                component = int(clusters[cluster])
                if component in mine:
                    parts.setdefault(component, []).append(shape)
        new = NewShapes([incident_of[c] for c in parts], [_joined(p) for p in parts.values()])
        owned = {incident_of[c] for c in mine}
        return Growth(new, grow(new, so_far, {s: a for s, a in merged.items() if s in owned}))

    return Growing([_WORKERS.submit(run, set(np.flatnonzero(shares == k).tolist())) for k in range(SHARES)])


def _joined(parts: list[bytes]) -> bytes:
    """The new footprints of one component from those of its clusters. Clusters that were
    not linked lie apart, and their polygons together are already the union (a multipolygon
    of them: a quarter of the time of an overlay); where some meet (the same pixels hours
    apart, or two clusters that touch), an overlay union."""
    if len(parts) == 1:
        return parts[0]
    shapes = shapely.from_wkb(parts)
    polygons = shapely.get_parts(shapes)
    left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    if np.any(left != right) or not np.all(shapely.get_type_id(polygons) == POLYGON):
        return bytes(shapely.to_wkb(shapely.union_all(shapes)))
    return bytes(shapely.to_wkb(shapely.multipolygons(polygons)))


def grow(new: NewShapes, so_far: dict[int, bytes], merged: dict[int, list[int]]) -> Perimeters:
    """Each perimeter that changes: that of an incident with new footprints, or of one that
    absorbed an incident with a perimeter. ``so_far``: the WKB of each polygonal perimeter
    before the pass (of survivors and the incidents they absorbed too); ``merged``: survivor
    -> absorbed."""
    added = dict(zip(new.incidents, shapely.from_wkb(new.shapes), strict=True))
    ids = sorted(set(added) | {s for s, absorbed in merged.items() if any(a in so_far for a in absorbed)})
    if not ids:
        return Perimeters()
    wanted = [j for i in ids for j in [i, *merged.get(i, [])] if j in so_far]  # this share's only
    old = dict(zip(wanted, shapely.from_wkb([so_far[j] for j in wanted]), strict=True))
    plain = [i for i in ids if i not in merged and i in old and i in added]
    shapes = dict(
        zip(
            plain,
            shapely.union(_array([old[i] for i in plain]), _array([added[i] for i in plain])),
            strict=True,
        )
    )
    for i in ids:
        if i in shapes:
            continue
        pieces = [old[j] for j in [i, *merged.get(i, [])] if j in old] + ([added[i]] if i in added else [])
        shapes[i] = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    result = _multi(_array([shapes[i] for i in ids]))
    empty = shapely.is_empty(result).tolist()
    inside = shapely.get_coordinates(shapely.point_on_surface(result)).tolist()  # none for an empty one
    points = iter(inside)
    xy = [(None, None) if e else next(points) for e in empty]
    return Perimeters(
        incidents=ids,
        shapes=[None if e else bytes(w) for e, w in zip(empty, shapely.to_wkb(result), strict=True)],
        hectares=(equal_area_m2(result) / 10_000.0).tolist(),
        inside_x=[x for x, _ in xy],
        inside_y=[y for _, y in xy],
    )


def equal_area_m2(shapes: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas on the ellipsoid in square metres (lon/lat shapes measured in EPSG:6933)."""
    transformer = getattr(_LOCAL, "to_equal_area", None)
    if transformer is None:
        transformer = _LOCAL.to_equal_area = Transformer.from_crs(4326, EQUAL_AREA_EPSG, always_xy=True)

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.area(shapely.transform(shapes, project)), dtype=np.float64)


def _multi(shapes: NDArray[np.object_]) -> NDArray[np.object_]:
    """Every shape as a multipolygon, as the perimeter column holds them."""
    single = shapely.get_type_id(shapes) == POLYGON
    out = shapes.copy()
    out[single] = [shapely.multipolygons([p]) for p in shapes[single]]
    return out


def _array(shapes: list[Any]) -> NDArray[np.object_]:
    out = np.empty(len(shapes), dtype=object)
    out[:] = shapes
    return out
