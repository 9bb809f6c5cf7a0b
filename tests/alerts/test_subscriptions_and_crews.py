"""Subscriptions (areas, points, standing orders; bad input refused with a reason) and
crews (suggestions by distance and workload; assignment alerts the crew)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from tests.alerts.places import Places, build_places, burn
from tests.conftest import make_user

SQUARE = [[[129.0, 61.5], [130.0, 61.5], [130.0, 62.5], [129.0, 62.5], [129.0, 61.5]]]
BOWTIE = [[[129.0, 61.5], [130.0, 62.5], [130.0, 61.5], [129.0, 62.5], [129.0, 61.5]]]


@dataclass
class Api:
    places: Places
    clients: dict[str, TestClient]


@pytest.fixture
def api(engine: Engine, settings: Settings) -> Iterator[Api]:
    places = build_places(engine, settlements=False)
    users = {
        "admin": ("admin", []),
        "m": ("dispatcher", [places.municipality]),
        "other": ("dispatcher", [places.municipality_2]),
        "crew": ("crew", [places.municipality]),
    }
    app = create_app(settings)
    clients = {}
    for name, (role, where) in users.items():
        token = make_user(engine, settings, f"user-{name}", role, where)
        clients[name] = TestClient(
            app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False
        )
    with clients["admin"]:
        yield Api(places, clients)


def problem(response: object, status: int) -> str:
    assert getattr(response, "status_code") == status, getattr(response, "text")  # noqa: B009
    assert getattr(response, "headers")["content-type"] == "application/problem+json"  # noqa: B009
    return str(getattr(response, "json")()["detail"])  # noqa: B009


def test_area_point_and_standing_order_subscriptions(api: Api) -> None:
    m = api.clients["m"]
    area = m.post("/api/v1/subscriptions", json={"name": "square", "area": {"type": "Polygon", "coordinates": SQUARE},
                                                  "min_priority": "high"})  # fmt: skip
    assert area.status_code == 201 and area.json()["area"]["type"] == "Polygon"
    point = m.post("/api/v1/subscriptions", json={"name": "around the base", "channel": "webhook",
                   "target": "https://hooks.example/geoops", "point": {"longitude": 129.7, "latitude": 62.0,
                   "radius_m": 5000}})  # fmt: skip
    assert point.status_code == 201 and len(point.json()["secret"]) >= 32, (
        "a webhook gets a signing key, once"
    )
    order = m.post("/api/v1/subscriptions", json={"name": "desk", "jurisdiction_id": api.places.municipality,
                                                   "channel": "email", "target": "desk@m.example"})  # fmt: skip
    assert order.status_code == 201
    listed = m.get("/api/v1/subscriptions").json()["subscriptions"]
    assert [s["name"] for s in listed] == ["square", "around the base", "desk"]
    assert "secret" not in listed[1] and listed[1]["signed"] is True
    assert api.clients["other"].get("/api/v1/subscriptions").json()["subscriptions"] == []
    assert api.clients["other"].delete(f"/api/v1/subscriptions/{area.json()['id']}").status_code == 404
    assert m.delete(f"/api/v1/subscriptions/{area.json()['id']}").status_code == 204
    assert len(api.clients["admin"].get("/api/v1/subscriptions").json()["subscriptions"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"area": {"type": "Polygon", "coordinates": BOWTIE}}, 422, "Self-intersection"),
        ({"area": {"type": "Point", "coordinates": [129, 62]}}, 422, "Polygon or MultiPolygon"),
        ({"area": {"type": "Polygon", "coordinates": [[[1, 2]]]}}, 422, "not valid GeoJSON"),
        ({"area": {"type": "Polygon", "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]]}}, 422, "longitude"),
        ({}, 422, "exactly one of"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "channel": "webhook", "target": "ftp://x/y"},
         422, "http(s) URL"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "channel": "email", "target": "a@b, c@d"},
         422, "one address"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "channel": "mqtt", "target": "geoops/#"},
         422, "wildcards"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "min_priority": "urgent"}, 422, "min_priority"),
        ({"jurisdiction_id": -1}, 403, "your own jurisdictions"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "channel": "webhook",
          "target": "http://10.0.0.7/hook"}, 422, "10.0.0.7 is a private address"),
        ({"point": {"longitude": 129, "latitude": 62, "radius_m": 10}, "channel": "webhook",
          "target": "http://localhost:8080/hook"}, 422, "loopback"),
    ],
)  # fmt: skip
def test_bad_subscriptions_are_refused_with_a_reason(
    api: Api, body: dict[str, object], status: int, reason: str
) -> None:
    response = api.clients["m"].post("/api/v1/subscriptions", json={"name": "bad", **body})
    assert reason in problem(response, status) or reason in response.text


def test_suggestions_rank_available_crews_by_distance_and_workload_and_assignment_alerts(
    engine: Engine, settings: Settings, api: Api
) -> None:
    admin, crew_client = api.clients["admin"], api.clients["crew"]
    incident = burn(engine, settings, 130.8, 61.6)
    crews = {}
    for name, lon, lat in (
        ("Near", 130.74, 61.6),
        ("Mid", 130.72, 61.6),
        ("Far", 129.8, 61.6),
        ("Off duty", 130.8, 61.65),
    ):
        crews[name] = admin.post(
            "/api/v1/crews", json={"name": name, "longitude": lon, "latitude": lat}
        ).json()["id"]
    assert (
        crew_client.patch(f"/api/v1/crews/{crews['Off duty']}", json={"available": False}).status_code == 200
    )
    ranked = admin.get(f"/api/v1/incidents/{incident}/crews").json()["suggestions"]
    assert [c["name"] for c in ranked] == ["Near", "Mid", "Far"]
    assert 2 < ranked[0]["distance_km"] < 4 < ranked[1]["distance_km"] < 4.8
    other = burn(engine, settings, 130.7, 61.9)  # Near gets busy elsewhere: its road counts 1.5 times
    assert admin.post(f"/api/v1/incidents/{other}/crews", json={"crew_id": crews["Near"]}).status_code == 201
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE crews SET user_id = (SELECT id FROM users WHERE name = 'user-crew') WHERE name = 'Mid'"
            )
        )
    ranked = admin.get(f"/api/v1/incidents/{incident}/crews").json()["suggestions"]
    assert [c["name"] for c in ranked][:2] == ["Mid", "Near"] and ranked[1]["workload"] == 1
    assigned = admin.post(f"/api/v1/incidents/{incident}/crews", json={"crew_id": crews["Mid"]})
    assert assigned.status_code == 201
    problem(admin.post(f"/api/v1/incidents/{incident}/crews", json={"crew_id": crews["Mid"]}), 409)
    mine = crew_client.get("/api/v1/alerts").json()["alerts"]
    assert [a["reason"] for a in mine] == ["assignment"] and "Crew Mid assigned" in mine[0]["title"]
    assert crew_client.post(f"/api/v1/alerts/{mine[0]['id']}/ack").status_code == 200
    timeline = admin.get(f"/api/v1/incidents/{incident}").json()["properties"]["timeline"]
    assert [e["payload"]["crew"] for e in timeline if e["kind"] == "incident.crew_assigned"] == ["Mid"]
    problem(
        api.clients["crew"].post(f"/api/v1/incidents/{incident}/crews", json={"crew_id": crews["Far"]}), 403
    )
    problem(admin.post("/api/v1/incidents/999999/crews", json={"crew_id": crews["Far"]}), 404)
