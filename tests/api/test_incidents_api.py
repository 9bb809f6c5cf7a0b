"""Hotspots in over HTTP, incidents and layers out as GeoJSON (real VIIRS data, real PostGIS)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.registry.layer_import import import_layer
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.workers import detect_once, detect_params

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
VIIRS_ROWS = 6226
INCIDENT_PROPERTIES = {
    "id",
    "number",
    "status",
    "first_observed_at",
    "registered_at",
    "last_observed_at",
    "sources",
    "hotspot_count",
    "area_ha",
    "priority",
    "jurisdictions",
}
STATUSES = {"suspected", "confirmed", "contained", "extinguished", "dismissed"}
YAKUTIA = (105.0, 55.0, 140.0, 70.0)  # minLon, minLat, maxLon, maxLat


@pytest.fixture
def client(settings: Settings, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, headers=admin_headers, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def detected(
    client: TestClient, settings: Settings, engine: Engine, sample_path: Callable[[str], Path]
) -> TestClient:
    """The VIIRS sample ingested over HTTP and one detection pass run."""
    response = client.post(
        "/api/v1/hotspots", content=sample_path(VIIRS).read_bytes(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    result = detect_once(engine, detect_params(settings))
    assert result.hotspots == VIIRS_ROWS and result.created
    return client


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def features(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    found: list[dict[str, Any]] = collection["features"]
    return found


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_post_hotspots_ingests_once(
    client: TestClient, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    data = sample_path(VIIRS).read_bytes()
    first = client.post("/api/v1/hotspots", content=data, headers={"Content-Type": "text/csv"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "read": VIIRS_ROWS,
        "inserted": VIIRS_ROWS,
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
    }

    again = client.post("/api/v1/hotspots", content=data, headers={"Content-Type": "text/csv"})
    assert again.status_code == 200, again.text
    assert again.json() == {
        "read": VIIRS_ROWS,
        "inserted": 0,
        "duplicates": VIIRS_ROWS,
        "rejected": 0,
        "errors": [],
    }
    assert scalar(engine, "SELECT count(*) FROM hotspots") == VIIRS_ROWS
    ingested = scalar(engine, "SELECT count(*) FROM events WHERE kind = 'hotspots.ingested'")
    assert ingested == 1  # the duplicate post changed nothing, so it announced nothing


def test_without_credentials_nothing_is_read_or_written(
    detected: TestClient, settings: Settings, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    hotspots_before = scalar(engine, "SELECT count(*) FROM hotspots")
    with TestClient(create_app(settings), raise_server_exceptions=False) as anonymous:
        data = sample_path(VIIRS).read_bytes()
        posted = anonymous.post("/api/v1/hotspots", content=data, headers={"Content-Type": "text/csv"})
        incident_id = features(detected, "/api/v1/incidents", limit=1)[0]["id"]
        for response in (
            posted,
            anonymous.get("/api/v1/incidents"),
            anonymous.get(f"/api/v1/incidents/{incident_id}"),
            anonymous.get("/api/v1/hotspots"),
        ):
            assert response.status_code == 401, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
    assert scalar(engine, "SELECT count(*) FROM hotspots") == hotspots_before


def test_incidents_are_valid_geojson_accounting_for_every_hotspot(
    detected: TestClient, engine: Engine
) -> None:
    incidents = features(detected, "/api/v1/incidents")
    assert incidents
    assert scalar(engine, "SELECT count(*) FROM incidents WHERE merged_into_id IS NULL") == len(incidents)
    numbers = set()
    for feature in incidents:
        assert feature["type"] == "Feature"
        geometry = shape(feature["geometry"])
        assert geometry.geom_type in ("Polygon", "MultiPolygon") and not geometry.is_empty
        p = feature["properties"]
        assert p.keys() >= INCIDENT_PROPERTIES
        assert p["id"] == feature["id"]
        assert p["status"] in STATUSES
        assert p["sources"] == ["satellite"]
        assert p["hotspot_count"] >= 1
        assert p["area_ha"] > 0
        assert isinstance(p["jurisdictions"], list)
        assert parse_time(p["first_observed_at"]) <= parse_time(p["last_observed_at"])
        assert parse_time(p["registered_at"]) >= parse_time(p["last_observed_at"])
        numbers.add(p["number"])
    assert len(numbers) == len(incidents)  # registration numbers are unique

    assigned = scalar(engine, "SELECT count(*) FROM incident_evidence WHERE hotspot_id IS NOT NULL")
    assert sum(f["properties"]["hotspot_count"] for f in incidents) == assigned
    fire_hotspots = scalar(
        engine, "SELECT count(*) FROM hotspots WHERE coalesce(fire_type, 0) NOT IN (1, 2, 3)"
    )
    assert assigned == fire_hotspots == VIIRS_ROWS


def test_incident_geometries_stay_valid_in_geojson(detected: TestClient, engine: Engine) -> None:
    assert scalar(engine, "SELECT count(*) FROM incidents WHERE NOT ST_IsValid(geom)") == 0
    invalid = [f["id"] for f in features(detected, "/api/v1/incidents") if not shape(f["geometry"]).is_valid]
    assert invalid == []


def test_bbox_filter_keeps_exactly_the_incidents_whose_extent_meets_it(detected: TestClient) -> None:
    everything = features(detected, "/api/v1/incidents")
    inside = features(detected, "/api/v1/incidents", bbox=",".join(map(str, YAKUTIA)))
    area = box(*YAKUTIA)
    expected = {f["id"] for f in everything if area.intersects(box(*shape(f["geometry"]).bounds))}
    assert 0 < len(expected) < len(everything)
    assert {f["id"] for f in inside} == expected

    assert features(detected, "/api/v1/incidents", bbox="-10,-10,-9,-9") == []  # the Gulf of Guinea


def test_status_filter_narrows_and_repeats(detected: TestClient) -> None:
    everything = features(detected, "/api/v1/incidents")
    by_status: dict[str, set[int]] = {}
    for f in everything:
        by_status.setdefault(f["properties"]["status"], set()).add(f["id"])
    assert len(by_status) >= 2, "the sample should give incidents of more than one status"

    for status, ids in by_status.items():
        found = features(detected, "/api/v1/incidents", status=status)
        assert {f["id"] for f in found} == ids
        assert {f["properties"]["status"] for f in found} == {status}

    two = sorted(by_status)[:2]
    found = features(detected, "/api/v1/incidents", status=two)
    assert {f["id"] for f in found} == by_status[two[0]] | by_status[two[1]]
    assert features(detected, "/api/v1/incidents", status="extinguished") == []


def test_since_and_limit(detected: TestClient) -> None:
    everything = features(detected, "/api/v1/incidents")
    latest = max(f["properties"]["updated_at"] for f in everything)
    assert len(features(detected, "/api/v1/incidents", since="2000-01-01T00:00:00Z")) == len(everything)
    assert {f["id"] for f in features(detected, "/api/v1/incidents", since=latest)} == {
        f["id"] for f in everything if f["properties"]["updated_at"] == latest
    }
    assert features(detected, "/api/v1/incidents", since="2999-01-01T00:00:00Z") == []
    first = features(detected, "/api/v1/incidents", limit=5)
    assert [f["id"] for f in first] == [f["id"] for f in everything[:5]]


def test_one_incident_has_evidence_and_timeline(detected: TestClient, engine: Engine) -> None:
    listed = max(features(detected, "/api/v1/incidents"), key=lambda f: f["properties"]["hotspot_count"])
    response = detected.get(f"/api/v1/incidents/{listed['id']}")
    assert response.status_code == 200, response.text
    incident = response.json()
    assert incident["type"] == "Feature" and incident["id"] == listed["id"]
    assert shape(incident["geometry"]).equals(shape(listed["geometry"]))
    p = incident["properties"]
    assert p["hotspot_count"] == listed["properties"]["hotspot_count"] > 1

    evidence = p["evidence"]
    assert len(evidence) == p["hotspot_count"]
    assert {e["kind"] for e in evidence} == {"hotspot"}
    hotspot_ids = {e["hotspot_id"] for e in evidence}
    stored = scalar(
        engine,
        "SELECT array_agg(hotspot_id ORDER BY hotspot_id) FROM incident_evidence WHERE incident_id = :id",
        id=listed["id"],
    )
    assert sorted(hotspot_ids) == stored
    times = [parse_time(e["observed_at"]) for e in evidence]
    assert times == sorted(times)
    assert min(times) == parse_time(p["first_observed_at"])
    assert max(times) == parse_time(p["last_observed_at"])

    timeline = p["timeline"]
    assert timeline and timeline[0]["kind"] == "incident.created"
    assert all(t["payload"]["incident_id"] == listed["id"] for t in timeline)
    assert [t["id"] for t in timeline] == sorted(t["id"] for t in timeline)


def test_hotspots_page_with_after_id(detected: TestClient) -> None:
    seen: list[int] = []
    after, pages = 0, 0
    while pages < 20:  # bounded: 6226 rows in pages of 1000 is 7 pages
        page = features(detected, "/api/v1/hotspots", after_id=after, limit=1000)
        if not page:
            break
        pages += 1
        assert len(page) <= 1000
        ids = [f["id"] for f in page]
        assert ids == sorted(ids) and ids[0] > after
        seen += ids
        after = ids[-1]
    assert pages == 7
    assert len(seen) == len(set(seen)) == VIIRS_ROWS

    one = features(detected, "/api/v1/hotspots", after_id=seen[99], limit=1)
    assert [f["id"] for f in one] == [seen[100]]
    p = one[0]["properties"]
    assert one[0]["geometry"]["type"] == "Point"
    assert p["instrument"] == "VIIRS" and p["incident_id"] is not None


def test_hotspots_bbox_filter(detected: TestClient) -> None:
    inside = features(detected, "/api/v1/hotspots", bbox=",".join(map(str, YAKUTIA)))
    assert 0 < len(inside) < VIIRS_ROWS
    area = box(*YAKUTIA)
    assert all(area.intersects(shape(f["geometry"])) for f in inside)


# -- layers ---------------------------------------------------------------------------------------
def polygon(*ring: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in (*ring, ring[0])]]}


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write_geojson(path: Path, *items: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(items)}), encoding="utf-8")
    return path


def test_imported_layer_is_served_back(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    lake = polygon((129.0, 62.0), (129.5, 62.0), (129.5, 62.3), (129.0, 62.3))
    reserve = polygon((131.0, 60.0), (131.2, 60.0), (131.1, 60.2))
    path = write_geojson(
        tmp_path / "protected.geojson",
        feature(lake, name="Lake Tiny", kind="lake"),
        feature(reserve, name="Reserve «Север»", kind="reserve"),
    )
    with transaction(engine) as session:
        summary = import_layer("protected_areas", path, session=session, title="Protected areas")
    assert summary.as_dict() == {
        "layer": "protected_areas",
        "read": 2,
        "inserted": 2,
        "rejected": 0,
        "repaired": 0,
        "errors": [],
    }

    listed = client.get("/api/v1/layers").json()
    assert [(entry["name"], entry["title"], entry["feature_count"]) for entry in listed] == [
        ("protected_areas", "Protected areas", 2)
    ]
    served = features(client, "/api/v1/layers/protected_areas")
    assert [f["properties"] for f in served] == [
        {"name": "Lake Tiny", "kind": "lake"},
        {"name": "Reserve «Север»", "kind": "reserve"},
    ]
    assert shape(served[0]["geometry"]).equals(shape(lake))
    assert shape(served[1]["geometry"]).equals(shape(reserve))

    near_lake = features(client, "/api/v1/layers/protected_areas", bbox="128.9,61.9,129.1,62.1")
    assert [f["properties"]["name"] for f in near_lake] == ["Lake Tiny"]

    # A new layer is not public: a caller without credentials (empty Authorization) sees none.
    nobody = {"Authorization": ""}
    anonymous = client.get("/api/v1/layers", headers=nobody)
    assert anonymous.status_code == 200 and anonymous.json() == []
    assert client.get("/api/v1/layers/protected_areas", headers=nobody).status_code == 404


def test_layer_import_reports_missing_geometry_and_repairs_invalid(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    square = polygon((10.0, 50.0), (11.0, 50.0), (11.0, 51.0), (10.0, 51.0))
    bowtie = polygon((20.0, 50.0), (21.0, 51.0), (21.0, 50.0), (20.0, 51.0))  # self-intersecting
    assert not shape(bowtie).is_valid
    path = write_geojson(
        tmp_path / "mixed.geojson",
        feature(square, name="square"),
        feature(None, name="nowhere"),
        feature(bowtie, name="bowtie"),
    )
    with transaction(engine) as session:
        summary = import_layer("mixed", path, session=session)
    assert (summary.read, summary.inserted, summary.rejected, summary.repaired) == (3, 2, 1, 1)
    assert [(e.line, "geometry" in e.reason) for e in summary.errors] == [(2, True)]

    served = {f["properties"]["name"]: shape(f["geometry"]) for f in features(client, "/api/v1/layers/mixed")}
    assert set(served) == {"square", "bowtie"}
    assert served["square"].equals(shape(square))
    repaired = served["bowtie"]
    assert repaired.is_valid
    assert repaired.geom_type == "MultiPolygon" and len(repaired.geoms) == 2  # two triangles
    assert repaired.area == pytest.approx(0.5)
    assert repaired.bounds == pytest.approx((20.0, 50.0, 21.0, 51.0))
