"""Shapes cut into small pieces in memory, as ST_Subdivide does (no database)."""

from __future__ import annotations

import numpy as np
import shapely

from geoops.detect.subdivide import subdivide


def staircase(steps: int) -> shapely.Geometry:
    """A fire's ragged edge: boxes stepping north-east, merged, with a hole in the middle."""
    boxes = [shapely.box(i * 0.004, i * 0.002, i * 0.004 + 0.01, i * 0.002 + 0.01) for i in range(steps)]
    return shapely.difference(shapely.union_all(boxes), shapely.box(0.1, 0.052, 0.104, 0.056))


def test_pieces_are_small_and_cover_each_shape_exactly() -> None:
    big, small = staircase(120), shapely.box(30.0, 60.0, 30.01, 60.01)
    several = shapely.multipolygons(
        [shapely.box(40.0, 60.0, 40.01, 60.01), shapely.box(41.0, 60.0, 41.01, 60.01)]
    )
    shapes = np.array([big, small, shapely.MultiPolygon(), several], dtype=object)
    assert shapely.get_num_coordinates(big) > 400

    owner, pieces = subdivide(shapes, 32)

    assert sorted(set(owner.tolist())) == [0, 1, 3]  # nothing for the empty shape
    assert (shapely.get_num_coordinates(pieces) <= 32).all()
    assert (shapely.get_type_id(pieces) == 3).all()  # polygons
    assert (owner == 0).sum() > 400 // 32
    assert (owner == 1).sum() == 1 and (owner == 3).sum() == 2
    for k, shape in enumerate(shapes):
        if shape.is_empty:
            continue
        covered = shapely.union_all(pieces[owner == k])
        assert shapely.area(shapely.symmetric_difference(covered, shape)) < 1e-12 * max(1.0, shape.area)
        assert abs(sum(shapely.area(pieces[owner == k])) - shape.area) < 1e-12  # no overlaps


def test_nothing_to_cut() -> None:
    owner, pieces = subdivide(np.array([], dtype=object), 128)
    assert len(owner) == len(pieces) == 0
