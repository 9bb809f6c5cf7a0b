"""Incident priority: the pure scoring, and scoring stored incidents against the bundled
settlements layer (hflabs/city) and FWI raster (GEFF-ERA5 2017) plus a protected area."""

# The settlements layer is Russian: its Cyrillic is meant (RUF001 flags letters that look Latin).
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy import Engine

from geoops.detect.priority import (
    PriorityInputs,
    PriorityParams,
    Settlement,
    compass,
    compute_priority,
    priority_class,
    score_incidents,
    threat_weights,
)
from geoops.detect.priority import _threat as threat_of_one
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition, import_layer
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.engine import transaction

FWI_RASTER = Settings.model_fields["fwi_raster"].default
YAKUTSK = (129.7325887, 62.0281405)  # the settlement's own point in the layer
RESERVE = [[[129.0, 61.0], [129.4, 61.0], [129.4, 61.2], [129.0, 61.2], [129.0, 61.0]]]
PARAMS = PriorityParams(fwi_raster=FWI_RASTER)


def score(**inputs: Any) -> dict[str, Any]:
    priority = compute_priority(PriorityInputs(**inputs), PARAMS)
    return {"score": priority.score, "level": priority.level, **priority.components}


def town(km: float, population: int | None = 10_000, name: str = "town") -> Settlement:
    return Settlement(name, km, population, bearing_deg=90.0)


# --- the pure scoring ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "level"),
    [(0, "low"), (24, "low"), (25, "medium"), (49, "medium"), (50, "high"), (74, "high"), (75, "critical"), (100, "critical")],
)  # fmt: skip
def test_class_boundaries(points: int, level: str) -> None:
    assert priority_class(points) == level


def test_nothing_known_scores_zero_and_everything_at_once_scores_100() -> None:
    assert score()["score"] == 0 and score()["level"] == "low"
    worst = score(
        settlements=(town(0.0, 2_000_000),), protected_distance_km=0.0, fwi=60.0,
        max_frp=2000.0, growth_ha=5000.0, area_ha=50_000.0,
    )  # fmt: skip
    assert (worst["score"], worst["level"]) == (100, "critical")
    assert {k: (v["points"], v["max"]) for k, v in worst.items() if isinstance(v, dict)} == {
        "settlement": (35, 35), "protected": (15, 15), "fwi": (15, 15),
        "intensity": (15, 15), "growth": (10, 10), "area": (10, 10),
    }  # fmt: skip


def test_score_is_the_sum_of_the_components_and_stays_within_0_100() -> None:
    for km in (0.0, 3.0, 30.0, 300.0):
        for value in (0.0, 4.0, 15.0, 45.0, 90.0):
            result = score(settlements=(town(km),), protected_distance_km=km, fwi=value,
                           max_frp=value * 10, growth_ha=value, area_ha=value * 100)  # fmt: skip
            parts = [v["points"] for v in result.values() if isinstance(v, dict)]
            assert result["score"] == sum(parts) and 0 <= result["score"] <= 100
            assert result["level"] == priority_class(result["score"])


def points_along(component: str, values: list[Any], key: str) -> list[int]:
    return [score(**{key: v})[component]["points"] for v in values]


def non_decreasing(points: list[int]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(points)) and points[0] < points[-1]


def test_each_component_grows_with_its_input() -> None:
    near_to_far = [(town(km),) for km in (0.0, 2.0, 8.0, 20.0, 60.0, 200.0)]
    assert non_decreasing(points_along("settlement", near_to_far, "settlements")[::-1])
    small_to_large = [(town(5.0, p),) for p in (None, 500, 5_000, 50_000, 500_000, 5_000_000)]
    assert non_decreasing(points_along("settlement", small_to_large, "settlements"))
    assert non_decreasing(
        points_along("protected", [0.0, 1.0, 5.0, 20.0, 100.0], "protected_distance_km")[::-1]
    )
    assert non_decreasing(points_along("fwi", [None, 1.0, 6.0, 15.0, 30.0, 45.0, 70.0], "fwi"))
    assert non_decreasing(points_along("intensity", [None, 0.5, 5.0, 50.0, 500.0, 5000.0], "max_frp"))
    assert non_decreasing(points_along("growth", [0.0, 5.0, 50.0, 500.0, 5000.0], "growth_ha"))
    assert non_decreasing(points_along("area", [0.0, 14.0, 140.0, 1400.0, 14_000.0], "area_ha"))


def test_fwi_points_follow_the_effis_classes() -> None:
    expected = {4.0: ("very_low", 0), 6.73: ("low", 3), 11.2: ("moderate", 6), 21.3: ("high", 9),
                38.0: ("very_high", 12), 72.27: ("extreme", 15)}  # fmt: skip
    for value, (level, points) in expected.items():
        fwi = score(fwi=value)["fwi"]
        assert (fwi["class"], fwi["points"], fwi["value"]) == (level, points, value)


def test_a_large_city_further_away_outweighs_a_village_next_door() -> None:
    result = score(settlements=(town(1.0, 300, "village"), town(6.0, 800_000, "city")))
    assert (result["settlement"]["name"], result["settlement"]["distance_km"]) == ("city", 6.0)
    assert result["settlement"]["population"] == 800_000


def test_the_threats_of_many_candidates_at_once_are_those_of_each() -> None:
    # what picks the settlement a score weighs from an incident's 20 nearest (in memory)
    metres = np.array([0.0, 250.0, 6_000.0, 14_999.0, 45_000.0, 200_000.0] * 5)
    population = np.array(
        [np.nan, 0, 999, 1_000, 1_001, 50_000, 999_999, 1_000_000, 5_000_000, 12] * 3, dtype=float
    )
    weights = threat_weights(PARAMS)(metres, population)
    one_by_one = [
        threat_of_one(Settlement(None, d / 1000.0, None if np.isnan(p) else int(p)), PARAMS)
        for d, p in zip(metres, population, strict=True)
    ]
    assert np.allclose(weights, one_by_one, rtol=1e-12, atol=0.0)


def test_missing_inputs_score_zero_and_say_so() -> None:
    result = score(settlements_available=False, protected_available=False, fwi_available=False)
    for name in ("settlement", "protected", "fwi"):
        assert result[name]["points"] == 0 and result[name]["available"] is False
    no_data = score(fwi=None)["fwi"]
    assert no_data == {"points": 0, "max": 15, "available": True, "value": None, "class": None}


def test_compass_and_weights() -> None:
    assert [compass(b) for b in (0, 44, 46, 180, 292, 359)] == ["N", "NE", "NE", "S", "W", "N"]
    with pytest.raises(ValueError, match="add up to 100"):
        PriorityParams(settlement_points=50)


# --- scoring stored incidents -------------------------------------------------------


@pytest.fixture
def layers(engine: Engine, tmp_path: Path) -> None:
    """The bundled settlements layer as ``geoops layers load`` imports it, and one reserve."""
    spec = next(d for d in read_definitions(PROJECT_ROOT / "layers") if d.name == "settlements")
    reserve = tmp_path / "reserve.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "Reserve"},
        "geometry": {"type": "Polygon", "coordinates": RESERVE},
    }
    reserve.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with transaction(engine) as session:
        assert spec.public and import_definition(spec, session=session).inserted == 1117
        import_layer("protected_areas", reserve, session=session)


def add_incident(engine: Engine, wkt: str, **extra: Any) -> int:
    columns = ", ".join(["number", "first_observed_at", "last_observed_at", "geom", "centroid", *extra])
    values = ", ".join([":number", "now()", "now()", "ST_GeomFromText(:wkt, 4326)",
                        "ST_Centroid(ST_GeomFromText(:wkt, 4326))", *(f":{k}" for k in extra)])  # fmt: skip
    with engine.begin() as conn:
        sql = sa.text(f"INSERT INTO incidents ({columns}) VALUES ({values}) RETURNING id")
        return int(conn.execute(sql, {"number": f"T-{wkt[:30]}", "wkt": wkt, **extra}).scalar_one())


def scored(engine: Engine, ids: list[int], params: PriorityParams = PARAMS) -> dict[int, Any]:
    with transaction(engine) as session:
        score_incidents(ids, params, session=session)
    with engine.connect() as conn:
        query = sa.text(
            "SELECT id, priority, priority_score, priority_components, nearest_settlements "
            "FROM incidents WHERE id = ANY(:ids)"
        )
        return {r.id: r for r in conn.execute(query, {"ids": ids})}


def test_a_report_near_yakutsk_lists_it_first(engine: Engine, layers: None) -> None:
    point = add_incident(engine, "POINT(129.80 62.00)")  # the city lies 5 km NW
    row = scored(engine, [point])[point]

    first = row.nearest_settlements
    azimuth, _, metres = Geod(ellps="WGS84").inv(129.80, 62.00, *YAKUTSK)
    assert [s["name"] for s in first][:1] == ["Якутск"] and len(first) == 3
    assert first[0]["distance_km"] == pytest.approx(metres / 1000, abs=0.1)
    assert (first[0]["population"], first[0]["region"]) == (269486, "Респ Саха /Якутия/")
    assert (first[0]["direction"], first[0]["bearing_deg"]) == ("NW", round(azimuth % 360))
    assert [s["distance_km"] for s in first] == sorted(s["distance_km"] for s in first)
    components = row.priority_components
    assert components["settlement"]["name"] == "Якутск" and components["settlement"]["points"] > 35 / 2
    assert components["fwi"] == {"points": 3, "max": 15, "available": True, "value": 6.73, "class": "low"}
    assert components["intensity"]["frp_mw"] is None
    assert components["protected"]["distance_km"] is None  # not within the 50 km searched
    assert components["protected"]["points"] == 0 and components["protected"]["available"] is True
    assert row.priority_score == sum(c["points"] for c in components.values())
    assert row.priority == priority_class(row.priority_score)


def test_protected_areas_score_by_distance_and_fully_inside(engine: Engine, layers: None) -> None:
    fire = add_incident(engine, "POLYGON((129.1 61.1, 129.2 61.1, 129.2 61.15, 129.1 61.15, 129.1 61.1))",
                        max_frp=80.0, growth_ha=120.0, area_ha=300.0)  # fmt: skip
    beside = add_incident(engine, "POINT(129.6 61.1)")  # east of the reserve
    rows = scored(engine, [fire, beside])

    inside = rows[fire].priority_components
    assert inside["protected"] == {"points": 15, "max": 15, "available": True, "distance_km": 0.0,
                                   "inside": True, "name": "Reserve", "layer": "protected_areas"}  # fmt: skip
    raw = (inside["intensity"]["frp_mw"], inside["growth"]["growth_ha"], inside["area"]["area_ha"])
    assert raw == (80.0, 120.0, 300.0)
    near = rows[beside].priority_components["protected"]
    _, _, metres = Geod(ellps="WGS84").inv(129.6, 61.1, 129.4, 61.1)
    assert near["distance_km"] == pytest.approx(metres / 1000, abs=0.1) and near["inside"] is False
    assert near["points"] == round(15 * 0.5 ** (near["distance_km"] / 5)) > 0
    for row in rows.values():
        assert row.priority_score == sum(c["points"] for c in row.priority_components.values())


def test_fwi_is_sampled_at_the_centroid_and_ocean_has_none(engine: Engine, layers: None) -> None:
    sahara = add_incident(engine, "POINT(10 23)")
    ocean = add_incident(engine, "POINT(-150 0)")
    rows = scored(engine, [sahara, ocean])
    assert rows[sahara].priority_components["fwi"] == {
        "points": 15, "max": 15, "available": True, "value": 72.27, "class": "extreme"
    }  # fmt: skip
    assert rows[ocean].priority_components["fwi"]["value"] is None
    assert rows[ocean].priority_components["fwi"]["points"] == 0
    assert rows[sahara].priority_components["settlement"]["points"] == 0  # thousands of km away
    assert len(rows[sahara].nearest_settlements) == 3


def test_missing_raster_and_layers_do_not_fail(engine: Engine, tmp_path: Path) -> None:
    fire = add_incident(engine, "POINT(129.8 62.0)", max_frp=1000.0, growth_ha=1000.0, area_ha=10_000.0)
    params = PriorityParams(
        settlements_layer="no_such_layer", protected_layers=(), fwi_raster=tmp_path / "none.tif"
    )
    row = scored(engine, [fire], params)[fire]
    components = row.priority_components
    assert [components[k]["available"] for k in ("settlement", "protected", "fwi")] == [False] * 3
    assert row.nearest_settlements == [] and (row.priority_score, row.priority) == (35, "medium")
    with transaction(engine) as session:
        score_incidents([], PARAMS, session=session)  # nothing to do
