"""Heat sources and water tested in memory agree with PostGIS at the radius's edge, and a
changed layer is reloaded on the next pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy import Engine

from geoops.detect.static_areas import static_areas
from geoops.registry.layer_import import import_layer
from geoops.store.engine import transaction

GEOD = Geod(ellps="WGS84")
FLARE = (73.5, 61.2)  # a gas field in Khanty-Mansi
PLANT = [[[74.0, 61.0], [74.02, 61.0], [74.02, 61.01], [74.0, 61.01], [74.0, 61.0]]]
LAKE = [[[75.0, 61.0], [75.1, 61.0], [75.1, 61.1], [75.0, 61.1], [75.0, 61.0]]]


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def load(engine: Engine, tmp_path: Path, name: str, *features: dict[str, Any]) -> int:
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    with transaction(engine) as session:
        import_layer(name, path, session=session)
        return int(
            session.execute(sa.text("SELECT id FROM layers WHERE name = :n"), {"n": name}).scalar_one()
        )


def around(
    lon: float, lat: float, metres: list[float], azimuths: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    pairs = [GEOD.fwd(lon, lat, az, m)[:2] for m in metres for az in azimuths]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def postgis_within(
    engine: Engine, layer: int, lon: np.ndarray, lat: np.ndarray, default_m: float
) -> list[bool]:
    with engine.connect() as conn:
        return [
            bool(
                conn.execute(
                    sa.text(
                        "SELECT EXISTS (SELECT 1 FROM layer_features AS f WHERE f.layer_id = :layer AND ST_DWithin("
                        "f.geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography, "
                        "least(5000, coalesce((f.properties->>'radius_m')::float8, :d))))"
                    ),
                    {"layer": layer, "x": float(x), "y": float(y), "d": default_m},
                ).scalar()
            )
            for x, y in zip(lon, lat, strict=True)
        ]


def test_heat_sources_match_postgis_at_the_edge_of_the_radius(engine: Engine, tmp_path: Path) -> None:
    heat = load(
        engine, tmp_path, "heat_sources",
        feature({"type": "Point", "coordinates": list(FLARE)}, name="flare", radius_m=800),
        feature({"type": "Polygon", "coordinates": PLANT}, name="plant"),
    )  # fmt: skip
    azimuths = [0.0, 45.0, 90.0, 135.0, 180.0, 270.0]
    lon, lat = around(*FLARE, [790.0, 797.0, 803.0, 810.0, 3000.0], azimuths)
    plant_lon, plant_lat = around(74.01, 61.005, [1000.0, 1100.0, 1200.0, 1300.0], azimuths)  # default 600 m
    lon, lat = np.concatenate([lon, plant_lon]), np.concatenate([lat, plant_lat])
    with transaction(engine) as session:
        found = static_areas(heat, [], session=session).reasons(lon, lat, 600.0)
    expected = postgis_within(engine, heat, lon, lat, 600.0)
    assert [r == "heat_source" for r in found] == expected
    assert sum(expected) == 12 + sum(expected[30:]), "790 and 797 m are in, 803 m and more out"
    assert any(expected[30:]) and not all(expected[30:])


def test_water_and_a_changed_layer(engine: Engine, tmp_path: Path) -> None:
    lakes = load(engine, tmp_path, "lakes", feature({"type": "Polygon", "coordinates": LAKE}))
    lon, lat = np.array([75.05, 75.2]), np.array([61.05, 61.05])
    with transaction(engine) as session:
        assert static_areas(-1, [lakes], session=session).reasons(lon, lat, 500.0) == ["water", None]
    bigger = [[[75.0, 61.0], [75.3, 61.0], [75.3, 61.1], [75.0, 61.1], [75.0, 61.0]]]
    load(engine, tmp_path, "lakes", feature({"type": "Polygon", "coordinates": bigger}))
    with transaction(engine) as session:
        assert static_areas(-1, [lakes], session=session).reasons(lon, lat, 500.0) == ["water", "water"]
    with engine.begin() as conn:  # an edit in place, not through an import
        conn.execute(sa.text("UPDATE layer_features SET geom = ST_Translate(geom, 10, 0) WHERE layer_id = :l"),
                     {"l": lakes})  # fmt: skip
    with transaction(engine) as session:
        assert static_areas(-1, [lakes], session=session).reasons(lon, lat, 500.0) == [None, None]
