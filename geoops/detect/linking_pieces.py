"""The pieces new evidence is measured to (``incident_shapes``), cut in memory at the end of a
pass, in a worker thread while the database writes the pass's history, links and events.

Each pass lays the footprints it adds to a perimeter next to the earlier pieces as new
pieces ('n'), so a fire's pieces pile up and overlap. When an incident whose perimeter
grew in this pass has more new pieces than :data:`PILE_FACTOR` times its last whole cut
('p') has, plus :data:`SPARE_PIECES`, its perimeter is cut anew instead and replaces all
of them: new hotspots then probe few, tight boxes, and a pass still costs about what it
adds. At most :data:`MOST_RECUT` are re-cut in one pass, the most crowded first (the
others wait for their next growth). Cutting here instead of by ``ST_Subdivide`` in the
database: the 24 largest perimeters of a late pass of the speed scenario (20,087 vertices)
took 11-16 ms instead of 145-180 ms.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from geoops.detect.perimeter_growth import Growth
from geoops.detect.subdivide import subdivide
from geoops.store.array_literals import array_literal
from geoops.store.binary_arrays import BinaryArray, int8_array

PART_VERTICES = 128  # pieces with tight boxes; measured in memory, cut 2x faster than at 32
PILE_FACTOR, SPARE_PIECES = 4, 32  # new pieces beyond 4x the last cut, plus 32, and a perimeter is re-cut
MOST_RECUT = 24  # perimeters re-cut in one pass at most, the most crowded first

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoops-pieces")


@dataclass(frozen=True)
class Pieces:
    """The pieces a pass adds (incident, kind, WKB, and the shapes themselves for the
    cache), and the incidents re-cut whose earlier 'p' and 'n' pieces they replace."""

    incidents: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    shapes: list[bytes] = field(default_factory=list)
    recut: list[int] = field(default_factory=list)
    geoms: NDArray[np.object_] = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def params(self) -> dict[str, Any]:
        return {
            "recut": int8_array(self.recut),
            "piece_incidents": int8_array(self.incidents),
            "piece_kinds": array_literal(self.kinds),
            "piece_shapes": BinaryArray(self.shapes),
        }


def start_cutting(growth: Growth, held: dict[int, tuple[int, int]]) -> Future[Pieces]:
    """:func:`cut` in a worker thread."""
    return _WORKER.submit(cut, growth, held)


def cut(growth: Growth, held: dict[int, tuple[int, int]]) -> Pieces:
    """Each incident's new footprints cut into new pieces, or its whole perimeter cut anew
    where the new pieces piled up. ``held``: the 'n' and 'p' pieces each incident has
    (with those of the incidents it absorbed in this pass)."""
    new_owner, new_pieces = subdivide(
        np.asarray(shapely.from_wkb(growth.new.shapes), dtype=object), PART_VERTICES
    )
    new_ids = np.asarray(growth.new.incidents, dtype=np.int64)[new_owner]
    adding = dict(zip(*np.unique(new_ids, return_counts=True), strict=True))
    perimeters = growth.perimeters
    crowding = []
    for incident, shape in zip(perimeters.incidents, perimeters.shapes, strict=True):
        added, cut_before = held.get(incident, (0, 0))
        excess = added + int(adding.get(incident, 0)) - PILE_FACTOR * cut_before - SPARE_PIECES
        if shape is not None and excess > 0:
            crowding.append((-excess, incident, shape))
    crowded = sorted(crowding)[:MOST_RECUT]
    recut = [incident for _, incident, _ in crowded]
    whole_owner, whole_pieces = subdivide(
        np.asarray(shapely.from_wkb([shape for _, _, shape in crowded]), dtype=object), PART_VERTICES
    )
    keep = ~np.isin(new_ids, recut)
    incidents = [*np.asarray(recut, dtype=np.int64)[whole_owner].tolist(), *new_ids[keep].tolist()]
    shapes = np.concatenate([whole_pieces, new_pieces[keep]])
    return Pieces(
        incidents=incidents,
        kinds=["p"] * len(whole_pieces) + ["n"] * int(keep.sum()),
        shapes=[bytes(w) for w in shapely.to_wkb(shapes)],
        recut=sorted(recut),
        geoms=shapes,
    )
