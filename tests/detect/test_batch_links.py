"""Links among a pass's new evidence, measured in local metres (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from pyproj import Geod

from geoops.detect.batch_links import Reach, links_within_batch
from geoops.detect.claims import Evidence
from geoops.detect.local_metres import box_gaps_m, expanded

REACH = Reach(link_m=1000.0, link_s=24 * 3600.0, fusion_m=3000.0, fusion_s=12 * 3600.0)
T0 = datetime(2021, 7, 1, 4, 15, tzinfo=UTC)
GEOD = Geod(ellps="WGS84")


def box(lon: float, lat: float, half_deg: float = 0.002) -> tuple[float, float, float, float]:
    return (lon - half_deg, lat - half_deg / 2, lon + half_deg, lat + half_deg / 2)


def linked(batch: Evidence) -> set[frozenset[tuple[str, int]]]:
    """The links as sets of (kind, id) nodes."""
    kinds, ids = batch.kinds.tolist(), batch.ids.tolist()
    pairs = links_within_batch(batch, REACH).tolist()
    assert all(a < b for a, b in pairs) and len(set(map(tuple, pairs))) == len(pairs)
    return {frozenset({(kinds[a], ids[a]), (kinds[b], ids[b])}) for a, b in pairs}


def evidence(*items: tuple[str, int, float, tuple[float, float, float, float]]) -> Evidence:
    rows = [(kind, id_, T0.timestamp() + hours * 3600, *b) for kind, id_, hours, b in items]
    return Evidence.of(rows)


@pytest.mark.parametrize("lat", [0.0, 45.0, 62.0, 75.0])
@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0])
def test_box_gap_agrees_with_the_geodesic_distance(lat: float, azimuth: float) -> None:
    lon2, lat2, _ = GEOD.fwd(100.0, lat, azimuth, 900.0)
    gap = box_gaps_m(np.array([[100.0, lat, 100.0, lat]]), np.array([[lon2, lat2, lon2, lat2]]))
    assert gap[0] == pytest.approx(900.0, rel=0.005)


def test_overlapping_boxes_are_zero_apart_and_expansion_reaches_the_distance() -> None:
    a = np.array([[10.0, 60.0, 10.01, 60.01]])
    assert box_gaps_m(a, a)[0] == 0.0
    grown = expanded(a, np.array([1000.0]))
    north = box_gaps_m(a, np.array([[10.0, grown[0, 3], 10.0, grown[0, 3]]]))[0]
    assert north == pytest.approx(1000.0, rel=0.001)


def test_hotspots_link_within_the_distance_and_window_only() -> None:
    step = 1 / 111_000  # about a metre of latitude
    batch = evidence(
        ("h", 1, 0.0, box(129.7, 62.0)),
        ("h", 2, 1.0, box(129.7, 62.0 + 0.001 + 900 * step)),  # 900 m north of 1's box
        ("h", 3, 2.0, box(129.7, 62.0 + 2 * (0.001 + 1200 * step))),  # 1.2 km beyond 2
        ("h", 4, 30.0, box(129.7005, 62.0)),  # overlaps 1, but 30 h later
    )
    links = linked(batch)
    assert links == {frozenset({("h", 1), ("h", 2)})}


def test_ground_evidence_fuses_farther_and_within_its_own_window() -> None:
    km = 1 / 111.0
    batch = evidence(
        ("h", 1, 0.0, box(129.7, 62.0)),
        ("r", 7, 3.0, (129.7, 62.0 + 2.5 * km, 129.7, 62.0 + 2.5 * km)),  # 2.5 km: fused
        ("a", 8, 16.0, (129.7, 62.0 + km, 129.7, 62.0 + km)),  # 13 h after the report: not
    )
    links = linked(batch)
    assert frozenset({("h", 1), ("r", 7)}) in links
    assert not any(("a", 8) in pair for pair in links)


def test_links_cross_the_antimeridian() -> None:
    batch = evidence(("h", 1, 0.0, box(179.999, 66.0, 0.0005)), ("h", 2, 0.0, box(-179.999, 66.0, 0.0005)))
    assert linked(batch) == {frozenset({("h", 1), ("h", 2)})}
