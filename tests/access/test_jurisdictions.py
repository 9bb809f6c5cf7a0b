"""Jurisdictions from the real Russian ADM1 boundaries, and two districts cut from Sakha."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import Engine

from geoops.access.jurisdiction_load import load_jurisdiction_file
from geoops.api.app import create_app
from geoops.errors import InvalidInput, NotFound
from geoops.settings import DEFAULT_LEVELS, Settings
from geoops.store.engine import transaction
from geoops.store.jurisdiction_reads import jurisdiction_detail, jurisdiction_ids_for, jurisdiction_tree
from geoops.store.jurisdictions import LoadSummary, recompute_incident_jurisdictions
from tests.detect.test_detection_pass import T0, detect, ingest, pixel

REGIONS = "russia_adm1_federal_subjects_geoboundaries.geojson"
LEVELS = list(DEFAULT_LEVELS)
SAKHA = "Sakha Republic"
BOWTIE = [[[131, 64], [132, 65], [132, 64], [131, 65], [131, 64]]]  # self-intersecting ring


def load(engine: Engine, path: Path, level: str, **options: Any) -> LoadSummary:
    with transaction(engine) as session:
        return load_jurisdiction_file(path, level=level, levels=LEVELS, session=session, **options)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def ids_by_name(engine: Engine) -> dict[str, int]:
    return {r.name: r.id for r in rows(engine, "SELECT id, name FROM jurisdictions")}


def add_incident(engine: Engine, number: str, wkt: str, *, perimeter: bool = True, **extra: Any) -> int:
    geom = "ST_GeomFromText(:wkt, 4326)"
    columns = ["number", "first_observed_at", "last_observed_at", "centroid", "geom", *extra]
    values = [":number", "now()", "now()", f"ST_Centroid({geom})", geom if perimeter else "NULL"]
    values += [f":{name}" for name in extra]
    sql = f"INSERT INTO incidents ({', '.join(columns)}) VALUES ({', '.join(values)}) RETURNING id"
    with engine.begin() as conn:
        return int(conn.execute(sa.text(sql), {"number": number, "wkt": wkt, **extra}).scalar_one())


def write_features(path: Path, features: list[tuple[str, dict[str, Any] | None]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
            for name, geometry in features
        ],
    }
    path.write_text(json.dumps(collection))
    return path


@pytest.fixture
def regions(engine: Engine, sample_path: Callable[[str], Path]) -> LoadSummary:
    return load(engine, sample_path(REGIONS), "region")


@pytest.fixture
def districts_file(tmp_path: Path, sample_path: Callable[[str], Path]) -> Path:
    """Sakha cut at 130°E into two halves, written as a GeoPackage."""
    frame = gpd.read_file(sample_path(REGIONS))
    sakha = frame.loc[frame["shapeName"] == SAKHA].geometry.iloc[0]
    halves = [sakha.intersection(box(100, 50, 130, 80)), sakha.intersection(box(130, 50, 170, 80))]
    path = tmp_path / "sakha_districts.gpkg"
    gpd.GeoDataFrame(
        {"name": ["Sakha West", "Sakha East"], "code": ["SA-W", "SA-E"]}, geometry=halves, crs=4326
    ).to_file(path, driver="GPKG")
    return path


@pytest.fixture
def districts(engine: Engine, regions: LoadSummary, districts_file: Path) -> dict[str, int]:
    summary = load(engine, districts_file, "district")
    assert (summary.inserted, summary.rejected, summary.parent_level) == (2, 0, "region")
    return ids_by_name(engine)


@pytest.fixture
def client(settings: Settings, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False, headers=admin_headers) as client:
        yield client


def test_the_83_federal_subjects_load_as_valid_regions(engine: Engine, regions: LoadSummary) -> None:
    assert (regions.read, regions.inserted, regions.rejected, regions.parent_level) == (83, 83, 0, None)
    stored = rows(
        engine,
        "SELECT name, code, level_rank, path = ARRAY[id] AS own_path, parent_id, area_km2, "
        "ST_IsValid(geom) AND ST_IsValid(geom_simple) AS valid, GeometryType(geom) AS kind, "
        "ST_NPoints(geom_simple) < ST_NPoints(geom) AS simpler FROM jurisdictions",
    )
    assert len(stored) == 83
    assert all(r.valid and r.kind == "MULTIPOLYGON" and r.own_path and r.level_rank == 1 for r in stored)
    assert all(r.parent_id is None for r in stored)
    sakha = next(r for r in stored if r.name == SAKHA)
    assert sakha.code == "RU-SA" and sakha.simpler
    assert 3.0e6 < sakha.area_km2 < 3.2e6  # Sakha is about 3.08 million km²


def test_reloading_the_same_file_changes_nothing(
    engine: Engine, regions: LoadSummary, sample_path: Callable[[str], Path]
) -> None:
    snapshot = "SELECT id, code, parent_id, path, updated_at, md5(ST_AsEWKB(geom)::text) FROM jurisdictions ORDER BY id"
    before = rows(engine, snapshot)
    again = load(engine, sample_path(REGIONS), "region")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 83)
    assert rows(engine, snapshot) == before


def test_districts_find_their_region_by_containment(engine: Engine, districts: dict[str, int]) -> None:
    sakha, west, east = districts[SAKHA], districts["Sakha West"], districts["Sakha East"]
    stored = {
        r.id: r
        for r in rows(
            engine, "SELECT id, parent_id, path, level, code FROM jurisdictions WHERE level = 'district'"
        )
    }
    assert stored[west].parent_id == sakha and stored[west].path == [sakha, west]
    assert stored[east].parent_id == sakha and stored[east].path == [sakha, east]
    assert stored[west].code == "SA-W"


def test_districts_loaded_before_their_region_are_nested_when_it_arrives(
    engine: Engine, districts_file: Path, sample_path: Callable[[str], Path]
) -> None:
    early = load(engine, districts_file, "district")
    assert (early.inserted, early.parent_level) == (2, None)
    load(engine, sample_path(REGIONS), "region")
    ids = ids_by_name(engine)
    (west,) = rows(engine, "SELECT parent_id, path FROM jurisdictions WHERE name = 'Sakha West'")
    assert (west.parent_id, west.path) == (ids[SAKHA], [ids[SAKHA], ids["Sakha West"]])


def test_a_bowtie_is_repaired_and_a_feature_without_geometry_is_rejected(
    engine: Engine, regions: LoadSummary, tmp_path: Path
) -> None:
    path = write_features(
        tmp_path / "mixed.geojson",
        [
            ("Bowtie", {"type": "Polygon", "coordinates": BOWTIE}),
            ("Nowhere", None),
            ("", {"type": "Polygon", "coordinates": [[[120, 60], [121, 60], [121, 61], [120, 60]]]}),
            ("Line", {"type": "LineString", "coordinates": [[120, 60], [121, 61]]}),
        ],
    )
    summary = load(engine, path, "district")
    assert (summary.read, summary.inserted, summary.repaired, summary.rejected) == (4, 1, 1, 3)
    assert [e.line for e in summary.errors] == [2, 3, 4]
    assert "no geometry" in summary.errors[0].reason and "polygonal" in summary.errors[2].reason
    (bowtie,) = rows(
        engine,
        "SELECT ST_IsValid(j.geom) AS valid, ST_NumGeometries(j.geom) AS parts, p.name AS parent "
        "FROM jurisdictions j JOIN jurisdictions p ON p.id = j.parent_id WHERE j.name = 'Bowtie'",
    )
    assert (bowtie.valid, bowtie.parts, bowtie.parent) == (True, 2, SAKHA)


def test_unknown_levels_and_columns_are_invalid_input(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    with pytest.raises(InvalidInput, match="unknown level 'county'"):
        load(engine, sample_path(REGIONS), "county")
    with pytest.raises(InvalidInput, match="must be above"):
        load(engine, sample_path(REGIONS), "region", parent_level="district")
    with pytest.raises(InvalidInput, match="shapeISO"):
        load(engine, sample_path(REGIONS), "region", name_field="title")
    assert rows(engine, "SELECT count(*) FROM jurisdictions")[0][0] == 0


def test_incidents_are_linked_to_every_level_they_meet(engine: Engine, districts: dict[str, int]) -> None:
    near_yakutsk = add_incident(engine, "T-1", "POLYGON((129.5 61.9, 129.6 61.9, 129.6 62.0, 129.5 61.9))")
    point_east = add_incident(engine, "T-2", "POINT(135 63)", perimeter=False)
    with transaction(engine) as session:
        assert recompute_incident_jurisdictions(session=session) == (4, 0)
        assert recompute_incident_jurisdictions(session=session, incident_ids=[near_yakutsk]) == (0, 0)
    links = rows(
        engine,
        "SELECT ij.incident_id, j.name FROM incident_jurisdictions ij "
        "JOIN jurisdictions j ON j.id = ij.jurisdiction_id ORDER BY j.level_rank",
    )
    assert [name for i, name in links if i == near_yakutsk] == [SAKHA, "Sakha West"]
    assert [name for i, name in links if i == point_east] == [SAKHA, "Sakha East"]


def test_a_boundary_load_relinks_existing_incidents(
    engine: Engine, regions: LoadSummary, districts_file: Path
) -> None:
    incident = add_incident(engine, "T-3", "POINT(135 63)", perimeter=False)
    summary = load(engine, districts_file, "district")
    assert summary.incident_links_added == 2  # Sakha (linked from nothing before) and Sakha East
    names = rows(
        engine,
        "SELECT j.name FROM incident_jurisdictions ij JOIN jurisdictions j ON j.id = ij.jurisdiction_id "
        "WHERE ij.incident_id = :id ORDER BY j.level_rank",
        id=incident,
    )
    assert [r.name for r in names] == [SAKHA, "Sakha East"]
    (event,) = rows(
        engine, "SELECT payload FROM events WHERE kind = 'jurisdictions.loaded' ORDER BY id DESC LIMIT 1"
    )
    assert event.payload["level"] == "district" and event.payload["inserted"] == 2


def linked_names(engine: Engine, incident: int) -> list[str]:
    sql = (
        "SELECT j.name FROM incident_jurisdictions ij JOIN jurisdictions j ON j.id = ij.jurisdiction_id "
        "WHERE ij.incident_id = :id ORDER BY j.level_rank, j.name"
    )
    return [r.name for r in rows(engine, sql, id=incident)]


def test_a_pass_links_an_incident_to_every_level_its_new_evidence_meets(
    engine: Engine, districts: dict[str, int]
) -> None:
    # the districts meet at 130°E; a pixel reaches ~0.0036° of longitude either side at 62°N
    ingest(engine, pixel(62.0, 129.995, T0))
    (incident,) = detect(engine).created
    assert linked_names(engine, incident) == [SAKHA, "Sakha West"]

    ingest(engine, pixel(62.0, 130.004, T0 + timedelta(hours=1)))  # 470 m east, in the east half
    assert detect(engine).updated == [incident]
    assert linked_names(engine, incident) == [SAKHA, "Sakha East", "Sakha West"]
    with transaction(engine) as session:  # the same links as recomputing from the perimeter
        assert recompute_incident_jurisdictions(session=session, incident_ids=[incident]) == (0, 0)


def test_jurisdiction_parts_follow_loads_reloads_and_deletes(
    engine: Engine, districts: dict[str, int], tmp_path: Path
) -> None:
    check = (
        "SELECT j.name, count(p.id) AS parts, coalesce(max(ST_NPoints(p.geom)), 0) AS most, "
        "abs(coalesce(sum(ST_Area(p.geom)), 0) - ST_Area(j.geom)) / ST_Area(j.geom) AS off "
        "FROM jurisdictions j LEFT JOIN jurisdiction_parts p ON p.jurisdiction_id = j.id GROUP BY j.id"
    )
    parts = {r.name: r for r in rows(engine, check)}
    assert len(parts) == 85 and all(r.parts >= 1 and r.most <= 128 and r.off < 1e-9 for r in parts.values())
    assert parts[SAKHA].parts > 10  # a big boundary is cut into many pieces

    square = {"type": "Polygon", "coordinates": [[[131, 63], [132, 63], [132, 64], [131, 64], [131, 63]]]}
    reloaded = load(engine, write_features(tmp_path / "east.geojson", [("Sakha East", square)]), "district")
    assert reloaded.updated == 1
    (east,) = rows(engine, check + " HAVING j.name = 'Sakha East'")
    assert (east.parts, east.off) == (1, 0.0)

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM jurisdictions WHERE name = 'Sakha East'"))
    left = rows(
        engine,
        "SELECT count(*) AS n FROM jurisdiction_parts WHERE jurisdiction_id = :id",
        id=districts["Sakha East"],
    )
    assert left[0].n == 0


def test_tree_and_detail_over_http(client: TestClient, engine: Engine, districts: dict[str, int]) -> None:
    first = add_incident(engine, "T-4", "POLYGON((129.5 61.9, 129.6 61.9, 129.6 62.0, 129.5 61.9))")
    add_incident(engine, "T-5", "POINT(129.55 61.95)", perimeter=False, status="confirmed")
    add_incident(engine, "T-6", "POINT(129.55 61.95)", perimeter=False, merged_into_id=first)
    with transaction(engine) as session:
        recompute_incident_jurisdictions(session=session)

    tree = client.get("/api/v1/jurisdictions")
    assert tree.status_code == 200, tree.text
    roots = tree.json()
    assert len(roots) == 83 and all(node["level"] == "region" for node in roots)
    sakha = next(node for node in roots if node["name"] == SAKHA)
    assert sorted(child["name"] for child in sakha["children"]) == ["Sakha East", "Sakha West"]

    detail = client.get(f"/api/v1/jurisdictions/{districts['Sakha West']}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["incident_counts"] == {
        "suspected": 1, "confirmed": 1, "contained": 0, "extinguished": 0, "dismissed": 0,
    }  # fmt: skip
    assert body["parent"]["name"] == SAKHA and body["geometry"]["type"] == "MultiPolygon"
    assert body["path"] == [districts[SAKHA], districts["Sakha West"]]

    missing = client.get("/api/v1/jurisdictions/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/jurisdictions/99999999999").status_code == 422


def test_scope_hides_other_subtrees(engine: Engine, districts: dict[str, int]) -> None:
    sakha, west, east = districts[SAKHA], districts["Sakha West"], districts["Sakha East"]
    with transaction(engine) as session:
        with pytest.raises(NotFound) as hidden:
            jurisdiction_detail(west, session=session, scope=[east])
        with pytest.raises(NotFound) as missing:
            jurisdiction_detail(999_999, session=session, scope=[east])
        assert str(hidden.value).replace(str(west), "N") == str(missing.value).replace("999999", "N")
        assert jurisdiction_detail(west, session=session, scope=[sakha])["parent"]["id"] == sakha
        own = jurisdiction_detail(west, session=session, scope=[west])
        assert (own["parent"], own["path"]) == (None, [west])
        (root,) = jurisdiction_tree(session=session, scope=[east])
        assert (root["id"], root["children"]) == (east, [])
        assert len(jurisdiction_tree(session=session, scope=[sakha])[0]["children"]) == 2


def test_names_levels_and_ids_resolve_to_ids(engine: Engine, districts: dict[str, int]) -> None:
    with transaction(engine) as session:
        found = jurisdiction_ids_for(
            ["sakha republic", "district:Sakha West", str(districts["Sakha East"]), "Sakha West"],
            session=session,
        )
        assert found == [districts[SAKHA], districts["Sakha West"], districts["Sakha East"]]
        with pytest.raises(InvalidInput, match="unknown: Atlantis, 424242"):
            jurisdiction_ids_for(["Atlantis", "Sakha West", "424242"], session=session)
