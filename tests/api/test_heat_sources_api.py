"""Heat-source candidates over HTTP: listed for every user in scope, decided by clerks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.api.routes import heat_sources
from geoops.settings import Settings
from tests.access.districts import add_jurisdiction
from tests.api.test_health_and_problems import assert_problem
from tests.conftest import make_user
from tests.detect.test_heat_candidates import burn

URL = "/api/v1/heat-source-candidates"
Headers = dict[str, str]


def with_heat_sources(app: FastAPI) -> FastAPI:
    """The app with the candidates router, until create_app includes it itself."""
    if not any(getattr(r, "path", "").startswith(URL) for r in app.routes):
        app.include_router(heat_sources.router)
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(with_heat_sources(create_app(settings)), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def users(engine: Engine, settings: Settings) -> dict[str, Headers]:
    """Bearer headers of a clerk and a viewer of the flares' region, and a clerk of elsewhere."""
    here = add_jurisdiction(engine, "Here", "region", 1, (120.0, 55.0, 140.0, 70.0))
    elsewhere = add_jurisdiction(engine, "Elsewhere", "region", 1, (30.0, 50.0, 40.0, 60.0))
    who = {"clerk": ("clerk", here), "viewer": ("viewer", here), "clerk_elsewhere": ("clerk", elsewhere)}
    return {
        name: {"Authorization": f"Bearer {make_user(engine, settings, name, role, [where])}"}
        for name, (role, where) in who.items()
    }


@pytest.fixture
def proposed(engine: Engine) -> list[int]:
    """Two flares, each seen on three days and proposed: the second a little later."""
    ids: list[int] = []
    for lon in (129.7, 130.7):
        for day in range(3):
            ids += burn(engine, day, 0.0, lon=lon)[1]
    assert len(ids) == 2
    return ids


def listed(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    features: list[dict[str, Any]] = body["features"]
    return features


def test_every_user_lists_the_candidates_of_their_area_newest_first(
    client: TestClient, users: dict[str, Headers], proposed: list[int]
) -> None:
    first, second = proposed
    features = listed(client.get(URL, headers=users["viewer"]))
    assert [f["id"] for f in features] == [second, first]
    feature = features[1]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"][0] == pytest.approx(129.7)
    assert {"status": "candidate", "days": 3, "detections": 6}.items() <= feature["properties"].items()
    assert feature["properties"]["radius_m"] >= 500 and feature["properties"]["incident_number"]

    assert listed(client.get(URL, headers=users["clerk_elsewhere"])) == []
    assert listed(client.get(URL, params={"status": "accepted"}, headers=users["viewer"])) == []
    assert_problem(client.get(URL, params={"status": "maybe"}, headers=users["viewer"]), 422)
    assert_problem(client.get(URL), 401)


def test_a_clerk_accepts_and_rejects(
    client: TestClient, users: dict[str, Headers], proposed: list[int], engine: Engine
) -> None:
    first, second = proposed

    accepted = client.post(
        f"{URL}/{first}/accept", json={"note": "gas flare, field 12"}, headers=users["clerk"]
    )
    rejected = client.post(f"{URL}/{second}/reject", headers=users["clerk"])

    assert accepted.status_code == 200, accepted.text
    props = accepted.json()["properties"]
    assert (props["status"], props["decided_by"], props["note"]) == (
        "accepted",
        "clerk",
        "gas flare, field 12",
    )
    assert rejected.status_code == 200 and rejected.json()["properties"]["status"] == "rejected"
    assert [
        f["id"] for f in listed(client.get(URL, params={"status": "accepted"}, headers=users["viewer"]))
    ] == [first]
    assert listed(client.get(URL, headers=users["viewer"])) == []
    with engine.connect() as conn:
        audit = conn.execute(
            sa.text(
                "SELECT action, object_id, user_name FROM audit_log WHERE action LIKE 'heat_source.%' ORDER BY id"
            )
        ).all()
        layer = conn.execute(
            sa.text(
                "SELECT f.properties ->> 'candidate_id' FROM layer_features AS f "
                "JOIN layers AS l ON l.id = f.layer_id WHERE l.name = 'heat_sources'"
            )
        ).scalars()
        assert [tuple(a) for a in audit] == [
            ("heat_source.accept", str(first), "clerk"),
            ("heat_source.reject", str(second), "clerk"),
        ]
        assert list(layer) == [str(first)]

    again = assert_problem(client.post(f"{URL}/{first}/reject", headers=users["clerk"]), 409)
    assert "already accepted" in again["detail"] and again["candidate_status"] == "accepted"


def test_only_clerks_of_the_area_decide(
    client: TestClient, users: dict[str, Headers], proposed: list[int], admin_headers: Headers
) -> None:
    first, _ = proposed

    assert_problem(client.post(f"{URL}/{first}/accept", headers=users["viewer"]), 403)
    assert_problem(client.post(f"{URL}/{first}/accept", headers=users["clerk_elsewhere"]), 404)
    assert_problem(client.post(f"{URL}/999999/reject", headers=users["clerk"]), 404)
    assert_problem(client.post(f"{URL}/{first}/reject", json={"verdict": "no"}, headers=users["clerk"]), 422)
    assert listed(client.get(URL, params={"status": "candidate"}, headers=users["viewer"]))[1]["id"] == first

    response = client.post(f"{URL}/{first}/reject", json={"note": "a peat fire"}, headers=admin_headers)
    assert response.status_code == 200 and response.json()["properties"]["note"] == "a peat fire"
