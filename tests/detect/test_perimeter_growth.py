"""Each perimeter after a pass, grown in memory (no database): union, area, a point inside."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

from geoops.detect.footprint_union import NewShapes, union_by_incident
from geoops.detect.perimeter_growth import SHARES, equal_area_m2, grow, start_growth, start_union

PIXEL = 0.0068  # ~375 m of longitude at 62N, in degrees


def wkb(shape: shapely.Geometry) -> bytes:
    return bytes(shapely.to_wkb(shape))


def test_perimeters_grow_by_new_footprints_and_by_what_they_absorb() -> None:
    so_far = {
        1: shapely.box(129.0, 62.0, 129.0 + 3 * PIXEL, 62.0 + PIXEL),  # grows to the east
        2: shapely.box(130.0, 62.0, 130.0 + PIXEL, 62.0 + PIXEL),  # absorbs 5, gets nothing new
        5: shapely.box(130.0 + 4 * PIXEL, 62.0, 130.0 + 5 * PIXEL, 62.0 + PIXEL),
        6: shapely.box(131.0, 62.0, 131.0 + PIXEL, 62.0 + PIXEL),  # untouched: not listed
    }
    new = {
        1: shapely.box(129.0 + 2 * PIXEL, 62.0, 129.0 + 5 * PIXEL, 62.0 + PIXEL),  # overlaps a pixel
        9: shapely.box(132.0, 62.0, 132.0 + PIXEL, 62.0 + PIXEL),  # a new incident (no perimeter yet)
    }
    grown = grow(
        NewShapes(list(new), [wkb(s) for s in new.values()]),
        {i: wkb(s) for i, s in so_far.items()},
        {2: [5]},
    )

    assert grown.incidents == [1, 2, 9]
    expected = {
        1: shapely.union(so_far[1], new[1]),
        2: shapely.union(so_far[2], so_far[5]),  # two pieces that do not touch
        9: new[9],
    }
    shapes = dict(zip(grown.incidents, [shapely.from_wkb(s) for s in grown.shapes], strict=True))
    for incident, shape in shapes.items():
        assert shape.geom_type == "MultiPolygon"  # as the perimeter column holds them
        assert shapely.is_valid(shape)
        assert shapely.area(shapely.symmetric_difference(shape, expected[incident])) < 1e-12
    assert len(shapes[2].geoms) == 2
    # a point on each surface, and the area on the ellipsoid (edges in lon/lat, not geodesics:
    # the same to a millionth at pixel sizes)
    for incident, x, y in zip(grown.incidents, grown.inside_x, grown.inside_y, strict=True):
        assert x is not None and y is not None
        assert shapely.contains(shapes[incident], shapely.Point(x, y))
    geod = Geod(ellps="WGS84")
    for incident, hectares in zip(grown.incidents, grown.hectares, strict=True):
        geodesic = sum(abs(geod.geometry_area_perimeter(p)[0]) for p in shapes[incident].geoms)
        assert abs(hectares * 10_000 - geodesic) < 1e-6 * geodesic
    five_pixels = shapely.box(129.0, 62.0, 129.0 + 5 * PIXEL, 62.0 + PIXEL)
    assert (
        abs(grown.hectares[0] * 10_000 - abs(geod.geometry_area_perimeter(five_pixels)[0]))
        < 1e-6 * grown.hectares[0] * 10_000
    )


def test_nothing_new_and_nothing_absorbed_changes_no_perimeter() -> None:
    so_far = {4: wkb(shapely.box(129.0, 62.0, 129.1, 62.1))}
    assert grow(NewShapes([], []), so_far, {}).incidents == []
    # a survivor whose absorbed incident had no perimeter (a report's point) keeps its own
    assert grow(NewShapes([], []), so_far, {4: [8]}).incidents == []


def test_equal_area_is_the_geodesic_area() -> None:
    shapes = np.array(
        [shapely.box(30.0, 55.0, 30.1, 55.05), shapely.box(150.0, 70.0, 150.5, 70.2)], dtype=object
    )
    geod = Geod(ellps="WGS84")
    # edges along parallels, as on the map: geodesics between points 0.001 degree apart
    expected = [abs(geod.geometry_area_perimeter(shapely.segmentize(s, 0.001))[0]) for s in shapes]
    assert np.allclose(equal_area_m2(shapes), expected, rtol=1e-7)


def test_shares_grown_in_the_worker_threads_add_up_to_one_grow_of_all() -> None:
    # clusters 0..6, two boxes each; clusters 4 and 6 are one component (joined through
    # an incident; 6 overlaps 4: the same pixels hours later), which became incident 40,
    # which absorbed 41
    lons = [129.0, 130.0, 131.0, 132.0, 133.0, 134.0, 133.0 + PIXEL / 2]
    boxes = np.array(
        [[lon, 62.0 + k * PIXEL, lon + PIXEL, 62.0 + (k + 1) * PIXEL] for lon in lons for k in range(2)]
    )
    labels = np.repeat(np.arange(7, dtype=np.int64), 2)
    clusters = np.array([0, 1, 2, 3, 4, 5, 4], dtype=np.int64)
    incident_of = [10, 20, 30, 31, 40, 50]
    so_far = {
        i: wkb(shapely.box(129.0 + c, 61.9, 129.0 + c + PIXEL, 62.0 + PIXEL / 2))
        for c, i in enumerate(incident_of)
        if i != 31  # a new incident
    }
    so_far[41] = wkb(shapely.box(133.0, 61.8, 133.0 + PIXEL, 61.8 + PIXEL))
    merged = {40: [41]}

    shares = start_union(labels, boxes)
    assert len(shares) == SHARES
    assert sorted(c for s in shares for c in s.components.tolist()) == list(range(7))
    assert sorted(int(s.boxes.sum()) for s in shares) == [6, 8]  # as even as whole clusters allow
    grown = start_growth(shares, clusters, incident_of, so_far, merged).result()

    new = union_by_incident(np.array([incident_of[clusters[c]] for c in labels]), boxes)
    whole = grow(new, so_far, merged)
    assert sorted(grown.perimeters.incidents) == whole.incidents == [10, 20, 30, 31, 40, 50]
    assert sorted(grown.new.incidents) == new.incidents
    joined = dict(zip(grown.new.incidents, grown.new.shapes, strict=True))
    assert shapely.equals(
        shapely.from_wkb(joined[40]), shapely.box(133.0, 62.0, 133.0 + 1.5 * PIXEL, 62.0 + 2 * PIXEL)
    )
    ours = dict(zip(grown.perimeters.incidents, grown.perimeters.shapes, strict=True))
    for incident, shape in zip(whole.incidents, whole.shapes, strict=True):
        assert shapely.equals(shapely.from_wkb(ours[incident]), shapely.from_wkb(shape))
    assert shapely.area(shapely.from_wkb(ours[40])) > shapely.area(shapely.from_wkb(so_far[40]))  # with 41's


def test_an_empty_perimeter_is_sent_as_none_and_the_others_keep_their_points() -> None:
    new = NewShapes([3, 4], [wkb(shapely.MultiPolygon()), wkb(shapely.box(30.0, 60.0, 30.01, 60.01))])
    grown = grow(new, {}, {})
    assert grown.incidents == [3, 4]
    assert grown.shapes[0] is None and grown.inside_x[0] is None and grown.inside_y[0] is None
    assert grown.hectares[0] == 0.0
    x, y = grown.inside_x[1], grown.inside_y[1]
    assert x is not None and y is not None
    assert shapely.contains(shapely.box(30.0, 60.0, 30.01, 60.01), shapely.Point(x, y))


def test_clusters_of_one_component_that_lie_apart_or_touch_join_to_their_union() -> None:
    # component 0: clusters 0 and 1, two pixels apart (linked only through incident 10);
    # component 1: clusters 2 and 3, side by side (their edges touch: one polygon)
    lons = [129.0, 129.0 + 3 * PIXEL, 130.0, 130.0 + PIXEL]
    boxes = np.array([[lon, 62.0, lon + PIXEL, 62.0 + PIXEL] for lon in lons])
    labels = np.arange(4, dtype=np.int64)
    clusters = np.array([0, 0, 1, 1], dtype=np.int64)
    grown = start_growth(start_union(labels, boxes), clusters, [10, 20], {}, {}).result()

    joined = dict(zip(grown.new.incidents, [shapely.from_wkb(s) for s in grown.new.shapes], strict=True))
    apart, touching = joined[10], joined[20]
    assert shapely.is_valid(apart) and shapely.is_valid(touching)
    assert apart.geom_type == "MultiPolygon" and len(apart.geoms) == 2
    assert shapely.equals(apart, shapely.union_all(shapely.box(*boxes[:2].T)))
    assert shapely.get_num_geometries(touching) == 1
    assert shapely.equals(touching, shapely.box(130.0, 62.0, 130.0 + 2 * PIXEL, 62.0 + PIXEL))
