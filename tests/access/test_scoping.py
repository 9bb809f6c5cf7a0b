"""Who sees and may change what: two districts under one region, real PostGIS, real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.registry.layer_import import import_layer
from geoops.settings import Settings
from geoops.store.engine import transaction
from tests.access.districts import DISTRICT_A, Districts, build_districts, firms_rows
from tests.api.test_events_stream import STREAM_TIMEOUT, Frame, collect, frames
from tests.conftest import make_user
from tests.live_server import serve

Headers = dict[str, str]
MISSING = 999_999


@pytest.fixture
def districts(engine: Engine, settings: Settings) -> Districts:
    return build_districts(engine, settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """No credentials of its own: each call says who it is."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def users(engine: Engine, settings: Settings, districts: Districts) -> dict[str, Headers]:
    """Bearer headers of a dispatcher of A, of the region, of B, and a crew and a viewer of A."""
    who = {
        "dispatcher_a": ("dispatcher", districts.a),
        "dispatcher_b": ("dispatcher", districts.b),
        "dispatcher_region": ("dispatcher", districts.region),
        "crew_a": ("crew", districts.a),
        "viewer_a": ("viewer", districts.a),
    }
    return {
        name: {"Authorization": f"Bearer {make_user(engine, settings, name, role, [where])}"}
        for name, (role, where) in who.items()
    }


def ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    return {int(f["id"]) for f in response.json()["features"]}


def status_of(engine: Engine, incident_id: int) -> str:
    with engine.connect() as conn:
        sql = "SELECT status FROM incidents WHERE id = :id"
        return str(conn.execute(sa.text(sql), {"id": incident_id}).scalar_one())


def test_district_dispatcher_sees_own_district_region_sees_both(
    client: TestClient, districts: Districts, users: dict[str, Headers], engine: Engine
) -> None:
    a, b = districts.current_a, districts.current_b
    assert ids(client.get("/api/v1/incidents", headers=users["dispatcher_a"])) == a
    assert ids(client.get("/api/v1/incidents", headers=users["crew_a"])) == a
    assert ids(client.get("/api/v1/incidents", headers=users["dispatcher_b"])) == b
    assert ids(client.get("/api/v1/incidents", headers=users["dispatcher_region"])) == a | b
    b_area = {"bbox": "121,55,140,70"}
    assert ids(client.get("/api/v1/incidents", params=b_area, headers=users["dispatcher_a"])) == set()
    one_of_a = min(a)
    response = client.get(f"/api/v1/incidents/{one_of_a}", headers=users["dispatcher_a"])
    assert response.status_code == 200 and response.json()["id"] == one_of_a

    in_a_sql = "SELECT id FROM hotspots WHERE ST_Intersects(geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))"
    with engine.connect() as conn:
        in_a = set(
            conn.execute(
                sa.text(in_a_sql), dict(zip(("x0", "y0", "x1", "y1"), DISTRICT_A, strict=True))
            ).scalars()
        )
        total = conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one()
    assert 0 < len(in_a) < total
    assert ids(client.get("/api/v1/hotspots", headers=users["dispatcher_a"])) == in_a
    assert len(ids(client.get("/api/v1/hotspots", headers=users["dispatcher_region"]))) == total


def test_another_districts_incident_looks_exactly_like_a_missing_one(
    client: TestClient, districts: Districts, users: dict[str, Headers], engine: Engine
) -> None:
    theirs = min(districts.current_b)
    before = status_of(engine, theirs)
    change = {"status": "dismissed", "reason": "not ours"}
    for method, body in (("GET", None), ("PATCH", change)):
        hidden = client.request(
            method, f"/api/v1/incidents/{theirs}", json=body, headers=users["dispatcher_a"]
        )
        missing = client.request(
            method, f"/api/v1/incidents/{MISSING}", json=body, headers=users["dispatcher_a"]
        )
        assert hidden.status_code == missing.status_code == 404
        assert hidden.headers["content-type"] == missing.headers["content-type"] == "application/problem+json"
        anonymised = json.loads(hidden.text.replace(str(theirs), str(MISSING)))
        assert anonymised == missing.json()
    assert status_of(engine, theirs) == before


def test_only_dispatchers_change_status_and_the_change_is_on_the_timeline(
    client: TestClient, districts: Districts, users: dict[str, Headers], engine: Engine
) -> None:
    incident = min(districts.current_a)
    before = status_of(engine, incident)
    change = {"status": "contained", "reason": "crew on site, line holds"}
    for refused in ("crew_a", "viewer_a"):
        response = client.patch(f"/api/v1/incidents/{incident}", json=change, headers=users[refused])
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert status_of(engine, incident) == before != "contained"

    response = client.patch(f"/api/v1/incidents/{incident}", json=change, headers=users["dispatcher_a"])
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["status"] == "contained"
    shown = client.get(f"/api/v1/incidents/{incident}", headers=users["crew_a"]).json()["properties"]
    assert shown["status"] == "contained" == status_of(engine, incident)
    (changed,) = [t for t in shown["timeline"] if t["kind"] == "incident.status_changed"]
    assert changed["payload"]["status"] == "contained" and changed["payload"]["previous"] == before
    assert changed["payload"]["reason"] == change["reason"]


def test_viewer_cannot_write(client: TestClient, users: dict[str, Headers], engine: Engine) -> None:
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one()
    csv = firms_rows(100.0, 140.0)
    response = client.post("/api/v1/hotspots", content=csv, headers=users["viewer_a"])
    assert response.status_code == 403, response.text
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one() == before


def test_anonymous_reads_public_layers_only(
    client: TestClient, users: dict[str, Headers], engine: Engine, tmp_path: Path
) -> None:
    square = {"type": "Polygon", "coordinates": [[[110, 60], [111, 60], [111, 61], [110, 61], [110, 60]]]}
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square, "properties": {"name": "square"}}]}))  # fmt: skip
    with transaction(engine) as session:
        for name in ("open_data", "internal"):
            import_layer(name, path, session=session)
        session.execute(sa.text("UPDATE layers SET public = true WHERE name = 'open_data'"))

    assert client.get("/api/v1/incidents").status_code == 401
    assert [layer["name"] for layer in client.get("/api/v1/layers").json()] == ["open_data"]
    public = client.get("/api/v1/layers/open_data")
    assert public.status_code == 200 and len(public.json()["features"]) == 1
    private, missing = client.get("/api/v1/layers/internal"), client.get("/api/v1/layers/no_such_layer")
    assert private.status_code == missing.status_code == 404
    assert json.loads(private.text.replace("internal", "no_such_layer")) == missing.json()
    listed = client.get("/api/v1/layers", headers=users["viewer_a"]).json()
    assert sorted(layer["name"] for layer in listed) == ["internal", "open_data"]
    assert client.get("/api/v1/layers/internal", headers=users["viewer_a"]).status_code == 200


def stored(engine: Engine) -> list[tuple[int, dict[str, Any]]]:
    with engine.connect() as conn:
        return [
            (r.id, r.payload) for r in conn.execute(sa.text("SELECT id, payload FROM events ORDER BY id"))
        ]


def through(last: int) -> Callable[[list[Frame]], bool]:
    """Done once the stream has sent the event ``last``."""
    return lambda got: got[-1].id >= last


def test_event_stream_carries_only_events_in_scope(
    settings: Settings, districts: Districts, users: dict[str, Headers], engine: Engine
) -> None:
    every = stored(engine)
    in_b = [i for i, payload in every if payload.get("incident_id") in districts.incidents_b]
    assert in_b, "district B has incident events that A must not see"
    nothing: frozenset[int] = frozenset()
    with serve(create_app(settings)) as base:
        for user, hidden in (("dispatcher_a", districts.incidents_b), ("dispatcher_region", nothing)):
            expected = [i for i, payload in every if payload.get("incident_id") not in hidden]
            with (
                httpx.Client(timeout=STREAM_TIMEOUT, headers=users[user]) as http,
                http.stream("GET", f"{base}/api/v1/events", params={"after": 0}) as response,
            ):
                assert response.status_code == 200
                got = collect(frames(response.iter_lines()), through(expected[-1]))
            assert [f.id for f in got] == expected, user
            assert not {f.data.get("incident_id") for f in got} & hidden


def test_audit_log_records_every_write(
    client: TestClient, districts: Districts, users: dict[str, Headers], admin_headers: Headers
) -> None:
    incident = min(districts.current_a)
    change = {"status": "contained", "reason": "line holds"}
    assert client.patch(
        f"/api/v1/incidents/{incident}", json=change, headers=users["dispatcher_a"]
    ).is_success
    posted = client.post("/api/v1/hotspots", content=firms_rows(100.0, 105.0), headers=admin_headers)
    assert posted.status_code == 200, posted.text

    response = client.get("/api/v1/audit", headers=admin_headers)
    assert response.status_code == 200, response.text
    entries = response.json()
    by_action: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_action.setdefault(entry["action"], []).append(entry)
    assert {e["after"]["name"] for e in by_action["user.create"]} >= set(users) | {"test-admin"}
    assert {e["user_name"] for e in by_action["token.create"]} >= set(users)
    (ingest,) = by_action["hotspots.ingest"]
    assert ingest["user_name"] == "test-admin" and ingest["after"]["inserted"] == 0  # all duplicates
    (status,) = [e for e in entries if e["object_type"] == "incident"]
    assert status["object_id"] == str(incident) and status["user_name"] == "dispatcher_a"
    assert status["after"] == change and status["before"]["status"] != "contained"
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
