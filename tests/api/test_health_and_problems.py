"""Health, documentation, and RFC 9457 problem+json for every kind of bad request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings

PROBLEM = "application/problem+json"


@pytest.fixture
def client(settings: Settings, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, headers=admin_headers, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is problem+json with the given status and a title and detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def assert_client_error(response: httpx.Response) -> dict[str, Any]:
    """A 4xx problem: the caller's fault, explained, never a 500."""
    assert 400 <= response.status_code < 500, response.text
    return assert_problem(response, response.status_code)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_healthz_reports_database_and_postgis(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["postgis"].split(".")[0] == "3"


@pytest.mark.parametrize(
    "route",
    ["/api/v1/incidents", "/api/v1/incidents/1", "/api/v1/hotspots", "/api/v1/events", "/api/v1/sources"],
)
def test_reads_without_credentials_are_401_problems(anonymous: TestClient, route: str) -> None:
    body = assert_problem(anonymous.get(route), 401)
    assert body["instance"] == route


@pytest.mark.parametrize("authorization", ["Bearer go_0000_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_bad_credentials_are_401_problems(anonymous: TestClient, authorization: str) -> None:
    assert_problem(anonymous.get("/api/v1/incidents", headers={"Authorization": authorization}), 401)


def test_healthz_needs_no_credentials(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz").status_code == 200


def test_unknown_incident_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/incidents/999999"), 404)
    assert "999999" in body["detail"]
    assert body["instance"] == "/api/v1/incidents/999999"


def test_unknown_layer_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/layers/no_such_layer"), 404)
    assert "no_such_layer" in body["detail"]


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "a,b,c,d", "10,50,0,60", "0,-91,10,10", "-200,0,10,10", "", "1,2,3,4,5"],
)
def test_invalid_bbox_is_a_client_problem(client: TestClient, bbox: str) -> None:
    for route in ("/api/v1/incidents", "/api/v1/hotspots"):
        body = assert_client_error(client.get(route, params={"bbox": bbox}))
        assert "bbox" in body["detail"] or "bbox" in str(body.get("errors"))


def test_invalid_status_is_a_client_problem(client: TestClient) -> None:
    body = assert_client_error(client.get("/api/v1/incidents", params={"status": "burning"}))
    assert any("status" in e["loc"] for e in body["errors"])


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("/api/v1/incidents", {"limit": "-1"}),
        ("/api/v1/incidents", {"limit": "0"}),
        ("/api/v1/hotspots", {"limit": "-5"}),
        ("/api/v1/hotspots", {"after_id": "-1"}),
        ("/api/v1/hotspots", {"after_id": "many"}),
        ("/api/v1/incidents", {"since": "yesterday"}),
        ("/api/v1/layers/x", {"limit": "-1"}),
        ("/api/v1/events", {"after": "-3"}),
    ],
)
def test_bad_query_parameters_are_client_problems(
    client: TestClient, route: str, params: dict[str, str]
) -> None:
    assert_client_error(client.get(route, params=params))


@pytest.mark.parametrize("incident_id", ["0", "-1", "abc", "1.5"])
def test_malformed_incident_id_is_a_client_problem(client: TestClient, incident_id: str) -> None:
    assert_client_error(client.get(f"/api/v1/incidents/{incident_id}"))


@pytest.mark.parametrize("name", ["Upper", "1abc", "x" * 65])
def test_malformed_layer_name_is_a_client_problem(client: TestClient, name: str) -> None:
    assert_client_error(client.get(f"/api/v1/layers/{name}"))


@pytest.mark.parametrize("header", ["abc", "-1", "1.5", "12abc"])
def test_bad_last_event_id_is_a_client_problem(client: TestClient, header: str) -> None:
    body = assert_client_error(client.get("/api/v1/events", headers={"Last-Event-ID": header}))
    assert "Last-Event-ID" in body["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (b"", "text/csv"),
        (b"   \n\n", "text/csv"),
        (b"latitude,longitude\n", "text/csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ],
)
def test_unusable_hotspot_body_is_a_422_problem_and_writes_nothing(
    client: TestClient, engine: Engine, body: bytes, content_type: str
) -> None:
    response = client.post("/api/v1/hotspots", content=body, headers={"Content-Type": content_type})
    assert_problem(response, 422)
    assert count(engine, "hotspots") == 0
    assert count(engine, "events") == 0


def test_unusable_hotspot_body_without_credentials_is_a_401_problem_and_writes_nothing(
    anonymous: TestClient, engine: Engine
) -> None:
    response = anonymous.post("/api/v1/hotspots", content=b"latitude,longitude\n")
    assert_problem(response, 401)
    assert count(engine, "hotspots") == 0


def test_problem_for_wrong_method(client: TestClient) -> None:
    assert_problem(client.delete("/api/v1/hotspots"), 405)


def test_openapi_documents_the_routes(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "geoops"
    for path in (
        "/healthz",
        "/api/v1/hotspots",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/events",
        "/api/v1/layers",
        "/api/v1/layers/{name}",
    ):
        assert path in spec["paths"], path
    assert "text/csv" in spec["paths"]["/api/v1/hotspots"]["post"]["requestBody"]["content"]


def test_docs_page_loads(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
    assert "http" not in response.text.replace("http-equiv", ""), "docs must not load from a CDN"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"after": str(2**63)}, {}), ({}, {"Last-Event-ID": str(2**63)})],
    ids=["after", "Last-Event-ID"],
)
def test_event_id_beyond_bigint_is_a_client_problem(
    client: TestClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    assert_client_error(client.get("/api/v1/events", params=params, headers=headers))
