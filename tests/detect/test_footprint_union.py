"""Each incident's new footprints merged in memory (no database)."""

from __future__ import annotations

import numpy as np
import shapely

from geoops.detect.footprint_union import GRID_DEG, stacked_groups, union_by_incident

PIXEL = 0.0068  # ~375 m of longitude at 62N, in degrees


def row_of_pixels(x0: float, y0: float, count: int, shift: float = 0.0) -> list[list[float]]:
    return [[x0 + shift + i * PIXEL, y0, x0 + shift + (i + 1) * PIXEL, y0 + PIXEL / 2] for i in range(count)]


def test_tiled_and_stacked_footprints_merge_to_their_exact_union() -> None:
    tiled = row_of_pixels(129.0, 62.0, 6)  # one overpass: pixels side by side
    stacked = row_of_pixels(130.0, 62.0, 6) + row_of_pixels(130.0, 62.0, 6, shift=PIXEL / 3)  # two overpasses
    point = [[131.0, 62.0, 131.0, 62.0]]  # a report: adds nothing
    boxes = np.array(tiled + stacked + point, dtype=np.float64)
    incidents = np.array([3] * len(tiled) + [7] * len(stacked) + [9], dtype=np.int64)  # stacked second

    merged = union_by_incident(incidents, boxes)

    polygons = shapely.box(*boxes[:-1].T)
    assert stacked_groups(boxes[:-1], polygons, (incidents[:-1] == 7).astype(np.intp), 2).tolist() == [
        False,
        True,
    ]

    assert merged.incidents == [3, 7]
    shapes = shapely.from_wkb(merged.shapes)
    assert shapely.is_valid(shapes).all()
    for incident, shape in zip(merged.incidents, shapes, strict=True):
        own = np.rint(boxes[incidents == incident] / GRID_DEG) * GRID_DEG
        expected = shapely.union_all(shapely.box(own[:, 0], own[:, 1], own[:, 2], own[:, 3]))
        assert shapely.area(shapely.symmetric_difference(shape, expected)) < 1e-12
        corners = shapely.get_coordinates(shape) / GRID_DEG
        assert np.allclose(corners, np.rint(corners), atol=1e-6)  # on the grid the API serves
    assert shapely.get_num_interior_rings(shapes).tolist() == [0, 0]
    assert shapely.get_num_geometries(shapes).tolist() == [1, 1]


def test_only_overlapping_footprints_count_as_stacked() -> None:
    boxes = np.array(row_of_pixels(129.0, 62.0, 4) + row_of_pixels(130.0, 62.0, 4) * 2, dtype=np.float64)
    group = np.array([0] * 4 + [1] * 8, dtype=np.intp)  # group 1: the same overpass twice
    polygons = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    assert stacked_groups(boxes, polygons, group, 2).tolist() == [False, True]
