"""The detection benchmark's own tools: the scenario generator, the scorer and the naive
baseline (no database)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping

from bench.naive_dbscan import cluster_labels, naive_incidents
from bench.scenario import generate, write
from bench.scenario_world import ScenarioParams, metres_per_degree
from bench.score import score
from geoops.ingest.firms_csv import read_firms_file

SMALL = ScenarioParams(seed=7, days=2, fires=4, heat_sources=4, noise_per_day=5)
FILES = (
    "hotspots.csv",
    "heat_sources.geojson",
    "stations.csv",
    "observations.csv",
    "reports.geojson",
    "truth.json",
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("scenario")
    return out, write(generate(SMALL), out)


def test_the_same_seed_writes_the_same_files(scenario: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = scenario
    write(generate(SMALL), tmp_path / "again")
    write(generate(ScenarioParams(**{**SMALL.__dict__, "seed": 8})), tmp_path / "other")
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    assert (tmp_path / "other" / "hotspots.csv").read_bytes() != (out / "hotspots.csv").read_bytes()


def test_hotspots_are_a_firms_viirs_archive_file(scenario: tuple[Path, dict[str, Any]]) -> None:
    out, summary = scenario
    data = (out / "hotspots.csv").read_bytes()
    firms = read_firms_file(data)
    assert {"brightness", "brightness_2", "scan", "track", "type", "instrument", "confidence"} <= set(
        firms.columns
    )
    rows = pd.read_csv(out / "hotspots.csv")
    assert (
        len(rows)
        == summary["hotspots"]
        == summary["fire_hotspots"] + summary["heat_source_hotspots"] + summary["noise_hotspots"]
    )
    assert set(rows["confidence"]) <= {"l", "n", "h"} and set(rows["type"]) <= {0, 2}
    assert rows["scan"].between(0.36, 0.8).all() and rows["track"].between(0.36, 0.78).all()
    assert set(rows["satellite"]) <= {"N", "N20"} and set(rows["daynight"]) <= {"D", "N"}
    west, south, east, north = SMALL.bbox
    assert rows["longitude"].between(west, east).all() and rows["latitude"].between(south, north).all()


def test_the_summary_counts_what_the_files_hold(scenario: tuple[Path, dict[str, Any]]) -> None:
    out, summary = scenario
    truth = json.loads((out / "truth.json").read_text())
    with (out / "stations.csv").open() as f:
        assert len(list(csv.DictReader(f))) == summary["stations"]
    with (out / "observations.csv").open() as f:
        readings = list(csv.DictReader(f))
    assert len(readings) == summary["observations"] and {r["unit"] for r in readings} == {"ug/m3"}
    reports = json.loads((out / "reports.geojson").read_text())["features"]
    assert len(reports) == summary["reports"]
    assert {r["properties"]["category"] for r in reports} <= {"smoke", "open_fire"}
    assert len(truth["fires"]) == summary["fires"] == SMALL.fires
    registered = json.loads((out / "heat_sources.geojson").read_text())["features"]
    assert len(registered) == summary["registered_heat_sources"]
    assert all(f["properties"]["radius_m"] > 0 for f in registered)
    assert len(truth["false_alarm_reports"]) == summary["false_alarms"]
    for fire in truth["fires"]:
        if fire["first_detected_at"]:
            assert fire["first_detected_at"] > fire["ignition_at"]
            assert shapely.geometry.shape(fire["observable"]).contains(
                shapely.geometry.shape(fire["burned"]).centroid
            )


# -- the scorer, on hand-made truth ----------------------------------------------------------
def square(lon: float, lat: float, km: float, *, west_half: bool = False) -> Any:
    """A km x km square centred on (lon, lat), or its western half."""
    east, north = metres_per_degree(lat)
    dx, dy = km * 500 / east, km * 500 / north
    return shapely.box(lon - dx, lat - dy, lon if west_half else lon + dx, lat + dy)


FIRE_A, FIRE_B = square(125.0, 62.0, 2), square(126.0, 62.0, 2)  # ~52 km apart


def truth(*fires: Any, **extra: Any) -> dict[str, Any]:
    return {
        "scenario": {"bbox": [124.0, 61.0, 127.0, 63.0]},
        "fires": [
            {"id": f"F{n}", "burned": mapping(g), "observable": mapping(g), "detectable": True,
             "first_detected_at": "2021-07-10T16:00:00Z", "first_ground_at": None, **extra}
            for n, g in enumerate(fires, start=1)
        ],
    }  # fmt: skip


def incidents(*items: tuple[Any, str] | tuple[Any, str, dict[str, Any]]) -> dict[str, Any]:
    features = []
    for n, (geom, status, *more) in enumerate(items, start=1):
        properties = {"id": n, "status": status, **(more[0] if more else {})}
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def test_a_perfect_detector_scores_one() -> None:
    result = score(incidents((FIRE_A, "confirmed"), (FIRE_B, "confirmed")), truth(FIRE_A, FIRE_B))
    assert result["recall"] == result["precision"] == result["fragmentation"] == 1.0
    assert result["median_iou"] == pytest.approx(1.0) and result["merged"] == 0


def test_a_split_fire_counts_twice_and_half_a_perimeter_is_half_the_iou() -> None:
    west = square(125.0, 62.0, 2, west_half=True)
    east = FIRE_A.difference(west)
    split = score(incidents((west, "confirmed"), (east, "confirmed")), truth(FIRE_A))
    assert split["fragmentation"] == 2.0 and split["split_fires"] == ["F1"]
    assert split["median_iou"] == pytest.approx(1.0, abs=1e-3)  # the union of its incidents
    half = score(incidents((west, "confirmed")), truth(FIRE_A))
    assert half["median_iou"] == pytest.approx(0.5, abs=1e-3) and half["fragmentation"] == 1.0


def test_suspected_and_dismissed_incidents_are_not_counted() -> None:
    far = shapely.Point(126.5, 62.8)
    result = score(
        incidents((FIRE_A, "confirmed"), (far, "suspected"), (square(124.5, 61.5, 1), "dismissed")),
        truth(FIRE_A),
    )
    assert result["counted_incidents"] == 1 and result["precision"] == 1.0
    assert result["suspected_incidents"] == 1 and result["dismissed_incidents"] == 1
    missed = score(incidents((FIRE_A, "suspected")), truth(FIRE_A))
    assert missed["recall"] == 0.0 and missed["missed_fires"] == ["F1"] and missed["precision"] is None


def test_a_false_confirmed_incident_lowers_precision_and_one_over_two_fires_is_merged() -> None:
    false = score(incidents((FIRE_A, "confirmed"), (square(124.5, 61.5, 1), "confirmed")), truth(FIRE_A))
    assert false["precision"] == 0.5 and false["false_incidents"] == [2]
    both = shapely.union_all([FIRE_A, FIRE_B]).convex_hull
    merged = score(incidents((both, "confirmed")), truth(FIRE_A, FIRE_B))
    assert merged["merged"] == 1 and merged["recall"] == 1.0 and merged["median_iou"] < 0.1


def test_a_point_incident_matches_within_the_ground_distance() -> None:
    east, _ = metres_per_degree(62.0)
    near = shapely.Point(125.0 + 3000 / east, 62.0)  # 2 km east of the fire's edge
    far = shapely.Point(125.0 + 5500 / east, 62.0)  # 4.5 km
    result = score(incidents((near, "confirmed"), (far, "confirmed")), truth(FIRE_A))
    assert result["recall"] == 1.0 and result["precision"] == 0.5 and result["median_iou"] == 0.0


def test_earliness_is_the_lead_of_the_ground_over_the_first_satellite_time() -> None:
    firsts = {"satellite": "2021-07-10T16:00:00Z", "sensor": None, "report": "2021-07-10T11:30:00Z"}
    late = {"satellite": "2021-07-11T04:00:00Z", "sensor": "2021-07-11T05:00:00Z", "report": None}
    result = score(
        incidents((FIRE_A, "confirmed", {"first_observed_by_source": firsts}),
                  (FIRE_B, "confirmed", {"first_observed_by_source": late})),
        truth(FIRE_A, FIRE_B),
    )  # fmt: skip
    assert result["earliness_h"] == 4.5 and result["ground_first_fires"] == 1
    assert score(incidents((FIRE_A, "confirmed")), truth(FIRE_A))["earliness_h"] is None


# -- the naive baseline ----------------------------------------------------------------------
def test_naive_dbscan_joins_adjacent_pixels_and_separates_far_ones() -> None:
    _, north = metres_per_degree(62.0)
    adjacent = cluster_labels([62.0, 62.0 + 375 / north], [125.0, 125.0])
    far = cluster_labels([62.0, 62.0 + 5000 / north], [125.0, 125.0])
    assert len(set(adjacent)) == 1 and len(set(far)) == 2


def test_naive_incidents_are_scored_like_geoops_ones() -> None:
    rows = pd.DataFrame({"latitude": [62.0, 62.003, 62.6], "longitude": [125.0, 125.0, 126.0], "scan": 0.4,
                         "track": 0.4, "acq_date": "2021-07-10", "acq_time": [1530, 1620, 1530]})  # fmt: skip
    collection = naive_incidents(rows)
    assert [f["properties"]["hotspot_count"] for f in collection["features"]] == [2, 1]
    assert collection["features"][0]["properties"]["first_observed_at"] == "2021-07-10T15:30:00Z"
    result = score(collection, truth(square(125.0, 62.0015, 1)))
    assert result["recall"] == 1.0 and result["precision"] == 0.5
