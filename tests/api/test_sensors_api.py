"""Stations and observations over HTTP: roles, territory scoping, bad input, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from tests.access.districts import DISTRICT_A, DISTRICT_B, REGION, add_jurisdiction
from tests.conftest import make_user
from tests.ingest.test_sensors import SENSOR_COMMUNITY

Headers = dict[str, str]
IN_A = {"station_id": "a-1", "lon": 110.0, "lat": 60.0, "name": "Lensk", "kind": "pm"}
IN_B = {"station_id": "b-1", "lon": 130.0, "lat": 62.0, "name": "Yakutsk"}
T0 = "2024-07-14T06:00:00Z"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def users(engine: Engine, settings: Settings, admin_headers: Headers) -> dict[str, Headers]:
    """A region R with districts A and B; bearer headers of users of each."""
    region = add_jurisdiction(engine, "Region R", "region", 1, REGION)
    a = add_jurisdiction(engine, "District A", "district", 2, DISTRICT_A, parent=region)
    b = add_jurisdiction(engine, "District B", "district", 2, DISTRICT_B, parent=region)
    who = {"dispatcher_a": ("dispatcher", a), "region": ("dispatcher", region), "viewer_b": ("viewer", b)}
    headers = {
        name: {"Authorization": f"Bearer {make_user(engine, settings, name, role, [where])}"}
        for name, (role, where) in who.items()
    }
    return headers | {"admin": admin_headers}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["detail"])


def obs(station: str, value: Any, when: str = T0, prop: str = "pm25") -> dict[str, Any]:
    return {"station_id": station, "observed_at": when, "property": prop, "value": value, "unit": "ug/m3"}


def ids(response: httpx.Response) -> list[str]:
    return [f["id"] for f in ok(response)["features"]]


def test_roles_and_territories(client: TestClient, users: dict[str, Headers], engine: Engine) -> None:
    assert ok(client.post("/api/v1/stations", json=[IN_A, IN_B], headers=users["admin"]))["inserted"] == 2
    assert problem(client.get("/api/v1/stations"), 401)
    assert "dispatcher" in problem(client.post("/api/v1/stations", json=IN_A, headers=users["viewer_b"]), 403)
    no_post = client.post("/api/v1/observations", json=[obs("b-1", 1)], headers=users["viewer_b"])
    assert problem(no_post, 403)
    assert ids(client.get("/api/v1/stations", headers=users["dispatcher_a"])) == ["a-1"]
    assert ids(client.get("/api/v1/stations", headers=users["viewer_b"])) == ["b-1"]
    assert ids(client.get("/api/v1/stations", headers=users["region"])) == ["a-1", "b-1"]
    assert ids(client.get("/api/v1/stations?bbox=120,55,140,70", headers=users["region"])) == ["b-1"]
    assert problem(client.get("/api/v1/stations/b-1", headers=users["dispatcher_a"]), 404)  # as if missing
    assert problem(client.get("/api/v1/stations/b-1/observations", headers=users["dispatcher_a"]), 404)
    # writing outside one's territory: a station there, moving one there, readings of one there
    outside = {**IN_A, "station_id": "a-2", "lon": 131.0}
    moved = {**IN_B, "lon": 111.0}
    summary = ok(client.post("/api/v1/stations", json=[outside, moved], headers=users["dispatcher_a"]))
    assert [e["reason"] for e in summary["errors"]] == ["outside your jurisdictions"] * 2
    readings = ok(client.post("/api/v1/observations", json=[obs("b-1", 5)], headers=users["dispatcher_a"]))
    assert readings["errors"] == [{"line": 1, "reason": "unknown station 'b-1'"}]
    assert (
        ok(client.post("/api/v1/observations", json=[obs("a-1", 5)], headers=users["dispatcher_a"]))[
            "inserted"
        ]
        == 1
    )
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT action, user_name FROM audit_log WHERE action LIKE 'stations.%' "
                                     "OR action LIKE 'observations.%' ORDER BY id")).all()  # fmt: skip
    assert [tuple(a) for a in audit] == [
        ("stations.ingest", "test-admin"),
        ("stations.ingest", "dispatcher_a"),
        ("observations.ingest", "dispatcher_a"),
        ("observations.ingest", "dispatcher_a"),
    ]


def test_station_detail_has_latest_readings_jurisdictions_and_alarms(
    client: TestClient, users: dict[str, Headers]
) -> None:
    admin = users["admin"]
    ok(client.post("/api/v1/stations", json=IN_A, headers=admin))
    later = "2024-07-14T06:10:00Z"
    readings = [
        obs("a-1", 20),
        obs("a-1", 180, later),
        obs("a-1", 31, later, "pm10"),
        obs("a-1", 30, T0, "pm10"),
    ]
    assert ok(client.post("/api/v1/observations", json=readings, headers=admin))["inserted"] == 4
    station = ok(client.get("/api/v1/stations/a-1", headers=users["dispatcher_a"]))
    assert station["geometry"] == {"type": "Point", "coordinates": [110.0, 60.0]}
    props = station["properties"]
    assert [j["name"] for j in props["jurisdictions"]] == ["Region R", "District A"]
    assert [(r["property"], r["value"]) for r in props["latest"]] == [("pm10", 31.0), ("pm25", 180.0)]
    assert {a["rule"] for a in props["alarms"]} == {"threshold", "rate"}  # 180 > 150; up 160 in 10 min
    assert props["last_seen_at"].startswith("2024-07-14T06:10:00") and props["status"] == "active"
    series = ok(client.get("/api/v1/stations/a-1/observations?property=pm25", headers=admin))
    assert [r["value"] for r in series] == [180.0, 20.0]


def test_bad_rows_get_reasons_and_the_rest_is_stored(client: TestClient, users: dict[str, Headers]) -> None:
    admin = users["admin"]
    stations = [
        IN_A,
        {"station_id": "x-1", "lon": 181, "lat": 60},
        {"station_id": "x-2", "lon": 10, "lat": -91},
    ]
    summary = ok(client.post("/api/v1/stations", json=stations, headers=admin))
    assert [(e["line"], e["reason"]) for e in summary["errors"]] == [
        (2, "lon 181 is outside -180..180"),
        (3, "lat -91 is outside -90..90"),
    ]
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = [obs("a-1", 12.5), obs("nowhere", 12), obs("a-1", "high"), obs("a-1", 3, future), "text", {}]
    summary = ok(client.post("/api/v1/observations", json=body, headers=admin))
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (6, 1, 5)
    reasons = {e["line"]: e["reason"] for e in summary["errors"]}
    assert reasons[2] == "unknown station 'nowhere'" and reasons[3] == "value 'high' is not a number"
    assert "more than 1 day in the future" in reasons[4]
    assert "must be a JSON object" in reasons[5] and reasons[6] == "station_id is missing"
    assert ok(client.post("/api/v1/observations", json=[], headers=admin))["read"] == 0


def test_unusable_bodies_are_problems(client: TestClient, users: dict[str, Headers]) -> None:
    admin = {**users["admin"], "Content-Type": "application/json"}
    assert "not JSON" in problem(client.post("/api/v1/observations", content=b"{oops", headers=admin), 422)
    assert "JSON array" in problem(client.post("/api/v1/observations", content=b"42", headers=admin), 422)
    assert "not JSON" in problem(client.post("/api/v1/stations", content=b"\xff\xfe", headers=admin), 422)
    assert "format must be one of" in problem(
        client.post("/api/v1/observations?format=csv", json=[], headers=admin), 422
    )
    assert problem(client.get("/api/v1/stations?status=sleeping", headers=admin), 422)
    assert problem(client.get("/api/v1/stations?bbox=1,2,3", headers=admin), 422)


def test_sensor_community_records_over_http(client: TestClient, users: dict[str, Headers]) -> None:
    admin = users["admin"]
    station = {"station_id": "sc-85012", "lon": 129.732, "lat": 62.028}
    ok(client.post("/api/v1/stations", json=station, headers=admin))
    summary = ok(
        client.post("/api/v1/observations?format=sensor.community", json=[SENSOR_COMMUNITY], headers=admin)
    )
    assert (summary["inserted"], summary["rejected"]) == (2, 0)
    latest = ok(client.get("/api/v1/stations/sc-85012", headers=admin))["properties"]["latest"]
    assert [(r["property"], r["value"]) for r in latest] == [("pm10", 212.4), ("pm25", 187.93)]
