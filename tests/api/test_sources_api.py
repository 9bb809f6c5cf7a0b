"""GET /api/v1/sources: the status of polled FIRMS sources and of the inbox, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.ingest.firms_poll import parse_source, poll_source, register_sources
from geoops.ingest.inbox import Inbox
from geoops.settings import Settings
from tests.ingest.http_fixture import HTML_ERROR, http_fixture

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def client(settings: Settings, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, headers=admin_headers, raise_server_exceptions=False) as client:
        yield client


def test_no_sources_is_an_empty_list(client: TestClient) -> None:
    response = client.get("/api/v1/sources")
    assert response.status_code == 200
    assert response.json() == []


def test_sources_and_inbox_report_their_last_results(
    client: TestClient, engine: Engine, tmp_path: Path, sample_path: Callable[[str], Path]
) -> None:
    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "viirs.csv").write_bytes(sample_path(VIIRS).read_bytes())
    with http_fixture(tmp_path / "feed") as feed:
        good = parse_source(f"viirs={feed.url('viirs.csv')}")
        bad = parse_source(feed.url(f"api/area/csv/{KEY}/MODIS_NRT/world/1"))  # a 404
        register_sources([good, bad], engine=engine)
        for source in (good, bad):
            poll_source(source, engine=engine, interval_s=600)
    inbox = Inbox(tmp_path / "inbox", settle_s=0)
    inbox.register(engine=engine)
    (inbox.folder / "bad.csv").write_bytes(HTML_ERROR)
    inbox.scan(engine=engine)

    response = client.get("/api/v1/sources")
    assert response.status_code == 200
    assert KEY not in response.text
    by_name = {s["name"]: s for s in response.json()}
    assert set(by_name) == {"viirs", bad.name, "inbox"}

    viirs = by_name["viirs"]
    assert (viirs["kind"], viirs["last_result"], viirs["consecutive_failures"]) == ("url", "ingested", 0)
    assert (viirs["last_rows_read"], viirs["last_rows_inserted"], viirs["last_rows_rejected"]) == (
        6226,
        6226,
        0,
    )
    assert viirs["last_success_at"] and viirs["next_attempt_at"] and viirs["last_error"] is None

    failing = by_name[bad.name]
    assert failing["last_result"] == "failed" and "HTTP 404" in failing["last_error"]
    assert failing["consecutive_failures"] == 1 and failing["last_success_at"] is None
    assert "/api/area/csv/***/" in failing["url"]

    inbox_status = by_name["inbox"]
    assert inbox_status["kind"] == "inbox" and inbox_status["url"] == str(inbox.folder)
    assert inbox_status["last_error"].startswith("bad.csv: ")


def test_sources_need_credentials(settings: Settings) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as anonymous:
        response = anonymous.get("/api/v1/sources")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_route_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/sources"]
