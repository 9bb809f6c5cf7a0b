"""Which incidents' pieces new evidence lies within reach of, in memory (no database)."""

from __future__ import annotations

import numpy as np
import shapely

from geoops.detect.batch_links import Reach
from geoops.detect.claims import Evidence
from geoops.detect.incident_links import near_pieces
from geoops.detect.local_metres import metres_per_degree
from geoops.detect.shape_cache import ShapeCache

LAT = 60.0
PER_LON, PER_LAT = (float(v[0]) for v in metres_per_degree(np.array([LAT])))
REACH = Reach(link_m=1000.0, link_s=86_400.0, fusion_m=3000.0, fusion_s=43_200.0)
PIXEL = 0.005  # degrees: a footprint's side


def east(lon: float, metres: float) -> float:
    return lon + metres / PER_LON


def north(lat: float, metres: float) -> float:
    return lat + metres / PER_LAT


def pixel(number: int, lon: float, lat: float) -> tuple[str, int, float, float, float, float, float]:
    return ("h", number, 0.0, lon, lat, lon + PIXEL, lat + PIXEL)


def cache(pieces: list[tuple[int, str, shapely.Geometry]]) -> ShapeCache:
    return ShapeCache(
        token="test", generation=1, floor=0.0, max_id=len(pieces),
        ids=np.arange(1, len(pieces) + 1, dtype=np.int64),
        incidents=np.array([i for i, _, _ in pieces], dtype=np.int64),
        kinds=np.array([k for _, k, _ in pieces], dtype="<U1"),
        geoms=np.array([g for _, _, g in pieces], dtype=object),
        last_seen={i: 0.0 for i, _, _ in pieces},
    )  # fmt: skip


def test_overlapping_near_and_far_items_link_as_their_distance_says() -> None:
    square = shapely.box(100.0, LAT, 100.02, LAT + 0.01)
    # incident 2: a thin diagonal sliver whose box holds item 13 though the sliver lies
    # 1.7 km from it, and a small square 800 m west of it: the nearest box (the sliver's) is
    # tried first and fails, the square next
    sliver = shapely.Polygon([(101.0, LAT), (101.05, LAT + 0.05), (101.0, LAT + 0.0005)])
    small = shapely.box(east(101.045, -800.0) - PIXEL, LAT + 0.005, east(101.045, -800.0), LAT + 0.01)
    spot = shapely.Point(102.0, LAT)  # ground evidence of incident 3
    shapes = cache([(1, "p", square), (2, "p", sliver), (2, "n", small), (3, "g", spot)])
    evidence = Evidence.of(
        [
            pixel(10, 100.01, LAT + 0.005),  # overlaps incident 1
            pixel(11, east(100.02, 900.0), LAT),  # 900 m east of it
            pixel(12, east(100.02, 1100.0), LAT),  # 1100 m east: too far
            pixel(13, 101.045, LAT + 0.005),  # in the sliver's box, 800 m from the square
            pixel(14, 102.0, LAT),  # on the ground point: hotspots link to perimeters only
            ("r", 15, 0.0, 102.0, north(LAT, 2500.0), 102.0, north(LAT, 2500.0)),  # report 2.5 km away
            ("r", 16, 0.0, 102.0, north(LAT, 3300.0), 102.0, north(LAT, 3300.0)),  # 3.3 km: too far
        ]
    )
    found = {(int(evidence.ids[r]), int(i)) for r, i in near_pieces(evidence, REACH, shapes)}
    assert found == {(10, 1), (11, 1), (13, 2), (15, 3)}
    without_square = cache([(1, "p", square), (2, "p", sliver), (3, "g", spot)])
    found = {(int(evidence.ids[r]), int(i)) for r, i in near_pieces(evidence, REACH, without_square)}
    assert (13, 2) not in found  # the sliver alone is out of reach


def test_an_empty_cache_links_nothing() -> None:
    evidence = Evidence.of([pixel(1, 100.0, LAT)])
    empty = cache([])
    assert near_pieces(evidence, REACH, empty).shape == (0, 2)
