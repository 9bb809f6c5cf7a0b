"""An incident's life over HTTP: evidence with provenance, automatic and manual status
changes on the timeline, the lifecycle's rules, the perimeter history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from tests.detect.test_detection_pass import LAT, T0, detect, ingest, north, pixel
from tests.detect.test_fusion import report

URL = "/api/v1/incidents"


@pytest.fixture
def client(settings: Settings, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=admin_headers, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def incident(engine: Engine) -> int:
    """A citizen's smoke report, then a satellite pass, then the fire grows in a second pass."""
    report(engine, LAT, at=T0 - timedelta(hours=2))
    (opened,) = detect(engine).created
    ingest(engine, pixel(north(1500)))
    detect(engine)
    ingest(
        engine,
        pixel(north(1900), at=T0 + timedelta(hours=12)),
        pixel(north(2300), at=T0 + timedelta(hours=12)),
    )
    detect(engine)
    return opened


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_one_incident_shows_its_evidence_sources_and_priority(client: TestClient, incident: int) -> None:
    feature = client.get(f"{URL}/{incident}").json()
    p = feature["properties"]
    assert (p["status"], sorted(p["sources"]), p["hotspot_count"]) == (
        "confirmed",
        ["report", "satellite"],
        3,
    )
    assert p["status_reason"] == "confirmed by 2 independent sources (satellite, report)"
    assert p["evidence_counts"] == {"hotspot": 3, "sensor": 0, "report": 1}
    assert p["first_observed_by_source"]["report"] < p["first_observed_by_source"]["satellite"]
    assert p["registration_latency_s"] >= 0
    assert [(e["kind"], e["provenance"]) for e in p["evidence"]] == [
        ("report", "citizen report"),
        ("hotspot", "test"),
        ("hotspot", "test"),
        ("hotspot", "test"),
    ]
    assert p["evidence"][0]["category"] == "smoke" and "contact" not in p["evidence"][0]
    assert 0 <= p["priority_score"] <= 100 and p["priority"] in {"low", "medium", "high", "critical"}
    # no settlements layer in this database: the component says so instead of guessing
    assert p["nearest_settlements"] == [] and p["priority_components"]["settlement"]["available"] is False
    assert p["priority_score"] == sum(c["points"] for c in p["priority_components"].values())
    kinds = [t["kind"] for t in p["timeline"]]
    assert kinds[0] == "incident.created" and "incident.status_changed" in kinds


def test_the_lifecycle_allows_only_its_transitions(client: TestClient, incident: int) -> None:
    def change(status: str, reason: str = "crew on site") -> Any:
        return client.patch(f"{URL}/{incident}", json={"status": status, "reason": reason})

    assert change("contained").status_code == 200
    refused = problem(change("suspected"), 409)
    assert refused["allowed"] == ["confirmed", "extinguished"]
    assert change("extinguished", "rain and crews").status_code == 200
    problem(change("dismissed"), 409)  # an extinguished fire was real
    rekindled = change("confirmed", "smoke again at the edge").json()["properties"]
    assert (rekindled["status"], rekindled["status_reason"]) == ("confirmed", "smoke again at the edge")
    changes = [t["payload"] for t in rekindled["timeline"] if t["kind"] == "incident.status_changed"]
    assert [(c["previous"], c["status"], c["by"]) for c in changes] == [
        ("suspected", "confirmed", "geoops"),
        ("confirmed", "contained", "test-admin"),
        ("contained", "extinguished", "test-admin"),
        ("extinguished", "confirmed", "test-admin"),
    ]


def test_a_dismissal_needs_a_reason_and_can_be_undone(client: TestClient, incident: int) -> None:
    problem(client.patch(f"{URL}/{incident}", json={"status": "dismissed"}), 422)
    dismissed = client.patch(f"{URL}/{incident}", json={"status": "dismissed", "reason": "controlled burn"})
    assert dismissed.json()["properties"]["status_reason"] == "controlled burn"
    assert (
        client.patch(f"{URL}/{incident}", json={"status": "suspected", "reason": "reopened"}).status_code
        == 200
    )


def test_an_extinguished_fire_takes_no_new_evidence(
    client: TestClient, engine: Engine, incident: int
) -> None:
    client.patch(f"{URL}/{incident}", json={"status": "extinguished", "reason": "out"})
    ingest(engine, pixel(north(2300), at=T0 + timedelta(hours=20)))
    (new,) = detect(engine).created
    assert new != incident


def test_the_perimeter_history_grows_pass_by_pass(client: TestClient, incident: int) -> None:
    history = client.get(f"{URL}/{incident}/perimeters").json()
    steps = [(f["properties"]["hotspot_count"], f["geometry"]["type"]) for f in history["features"]]
    assert steps == [(1, "MultiPolygon"), (3, "MultiPolygon")]
    first, second = (f["properties"] for f in history["features"])
    assert second["area_ha"] > first["area_ha"] and second["growth_ha"] == pytest.approx(
        second["area_ha"] - first["area_ha"], abs=0.02
    )
    problem(client.get(f"{URL}/999999/perimeters"), 404)
