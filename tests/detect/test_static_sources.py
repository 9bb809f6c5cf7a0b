"""Hotspots at known heat sources or on water are kept, marked, and never become fires."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams
from geoops.registry.layer_import import import_layer
from geoops.store.engine import transaction
from tests.detect.test_detection_pass import LAT, LON, detect, ingest, live_incidents, north, pixel, query

M_PER_DEG_LON = 111_320.0 * 0.4695  # cos(62°)


def _layer(engine: Engine, tmp_path: Path, name: str, *features: dict[str, Any]) -> None:
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    with transaction(engine) as session:
        import_layer(name, path, session=session)


def _point(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _reasons(engine: Engine) -> list[str | None]:
    """Each hotspot's static reason, south to north."""
    return [r.static_reason for r in query(engine, "SELECT static_reason FROM hotspots ORDER BY latitude")]


def test_pixels_at_a_registered_heat_source_never_open_an_incident(engine: Engine, tmp_path: Path) -> None:
    _layer(engine, tmp_path, "heat_sources", _point(LON, LAT, kind="gas flare", radius_m=800))
    ingest(engine, pixel(LAT), pixel(north(300)), pixel(north(5000)), pixel(north(5300)))

    result = detect(engine)

    assert result.hotspots == 4 and len(result.created) == 1
    (fire,) = live_incidents(engine)
    assert fire.hotspot_count == 2  # the two pixels 5 km away, not the flare's
    assert _reasons(engine) == ["heat_source", "heat_source", None, None]  # at 0, 300, 5000, 5300 m


def test_the_default_radius_applies_to_a_source_without_its_own(engine: Engine, tmp_path: Path) -> None:
    _layer(engine, tmp_path, "heat_sources", _point(LON, LAT, kind="boiler house"))
    ingest(engine, pixel(north(400)), pixel(north(900)), pixel(north(1200)))

    detect(engine, DetectParams(heat_source_radius_m=600))

    assert _reasons(engine) == ["heat_source", None, None]  # at 400, 900, 1200 m


def test_pixels_on_a_lake_are_water_not_fire(engine: Engine, tmp_path: Path) -> None:
    west, east = LON - 2000 / M_PER_DEG_LON, LON + 2000 / M_PER_DEG_LON
    ring = [
        [west, LAT - 0.02],
        [east, LAT - 0.02],
        [east, LAT + 0.02],
        [west, LAT + 0.02],
        [west, LAT - 0.02],
    ]
    lake = {
        "type": "Feature",
        "properties": {"name": "Lake"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    _layer(engine, tmp_path, "lakes", lake)
    ingest(engine, pixel(LAT), pixel(north(300)), pixel(LAT, LON + 0.2))

    result = detect(engine)

    assert len(result.created) == 1
    assert sorted(r.static_reason or "fire" for r in query(engine, "SELECT static_reason FROM hotspots")) == [
        "fire", "water", "water",
    ]  # fmt: skip


def test_firms_static_types_are_marked_with_their_type(engine: Engine) -> None:
    ingest(engine, pixel(LAT, fire_type=2), pixel(north(300), fire_type=3), typed=True)

    assert detect(engine).created == []
    assert _reasons(engine) == ["firms_type_2", "firms_type_3"]
    assert detect(engine).hotspots == 0  # a pass with nothing to link still marks them seen
