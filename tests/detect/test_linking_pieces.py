"""The pieces a pass adds for linking, and which perimeters it cuts anew (no database)."""

from __future__ import annotations

import shapely
from pytest import MonkeyPatch

from geoops.detect import linking_pieces
from geoops.detect.footprint_union import NewShapes
from geoops.detect.linking_pieces import PILE_FACTOR, SPARE_PIECES, cut
from geoops.detect.perimeter_growth import Growth, Perimeters


def growth(incidents: list[int]) -> Growth:
    """Each incident: a new footprint east of a perimeter twice its size."""
    new = [shapely.box(30.0 + i, 60.0, 30.01 + i, 60.01) for i in incidents]
    whole = [shapely.multipolygons([shapely.box(29.99 + i, 60.0, 30.01 + i, 60.01)]) for i in incidents]
    return Growth(
        NewShapes(incidents, [bytes(shapely.to_wkb(s)) for s in new]),
        Perimeters(
            incidents=incidents,
            shapes=[bytes(shapely.to_wkb(s)) for s in whole],
            hectares=[0.0] * len(incidents),
            inside_x=[0.0] * len(incidents),
            inside_y=[0.0] * len(incidents),
        ),
    )


def test_new_footprints_become_new_pieces_until_they_pile_up() -> None:
    limit = PILE_FACTOR * 2 + SPARE_PIECES  # pieces an incident with a cut of 2 may hold
    held = {1: (limit - 1, 2), 2: (limit, 2), 3: (limit + 5, 2)}  # 3 is the most crowded

    pieces = cut(growth([1, 2, 3, 4]), held)

    assert pieces.recut == [2, 3]  # one more new piece takes each over the limit
    kinds = dict(zip(pieces.incidents, pieces.kinds, strict=True))
    assert kinds == {1: "n", 2: "p", 3: "p", 4: "n"}
    shapes = dict(zip(pieces.incidents, [shapely.from_wkb(s) for s in pieces.shapes], strict=True))
    assert same(shapes[2], shapely.box(29.99 + 2, 60.0, 30.01 + 2, 60.01))  # the whole perimeter
    assert same(shapes[1], shapely.box(30.0 + 1, 60.0, 30.01 + 1, 60.01))  # only what is new


def same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shapely.area(shapely.symmetric_difference(a, b)) < 1e-14)


def test_at_most_so_many_are_cut_anew_in_one_pass(monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setattr(linking_pieces, "MOST_RECUT", 1)
    limit = PILE_FACTOR + SPARE_PIECES
    pieces = cut(growth([1, 2]), {1: (limit + 1, 1), 2: (limit + 9, 1)})
    assert pieces.recut == [2]  # the most crowded; 1 waits
    assert dict(zip(pieces.incidents, pieces.kinds, strict=True)) == {1: "n", 2: "p"}
