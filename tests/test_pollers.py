"""The polling and inbox workers inside a running app: data arrives without anyone asking."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.pollers import firms_poller, inbox_watcher, ingest_workers
from geoops.settings import Settings
from geoops.workers import detector
from tests.ingest.http_fixture import http_fixture
from tests.live_server import serve

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
VIIRS_ROWS = 6226
WITHIN_S = 30.0


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def wait_for(check: Callable[[], bool], within: float = WITHIN_S) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within}s"
        time.sleep(0.2)


def test_the_poller_brings_hotspots_and_the_detector_makes_incidents(
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
    sample_path: Callable[[str], Path],
    admin_headers: dict[str, str],
) -> None:
    shutil.copy(sample_path(VIIRS), tmp_path / "viirs.csv")
    with http_fixture(tmp_path) as feed:
        settings = settings.model_copy(update={"firms_sources": [f"viirs={feed.url('viirs.csv')}"]})
        app = create_app(settings, workers=(detector(settings), firms_poller(settings)))
        with serve(app) as base:
            wait_for(lambda: _count(engine, "SELECT count(*) FROM hotspots") == VIIRS_ROWS)
            wait_for(lambda: _count(engine, "SELECT count(*) FROM incidents") > 0)
            assert httpx.get(f"{base}/api/v1/sources", timeout=10).status_code == 401
            (status,) = httpx.get(f"{base}/api/v1/sources", headers=admin_headers, timeout=10).json()
    assert (status["name"], status["last_result"], status["last_rows_inserted"]) == (
        "viirs",
        "ingested",
        VIIRS_ROWS,
    )
    assert feed.count == 1  # polled once: the next poll is firms_poll_seconds (600 s) away


def test_the_inbox_watcher_ingests_dropped_files(
    settings: Settings, engine: Engine, tmp_path: Path, sample_path: Callable[[str], Path]
) -> None:
    settings = settings.model_copy(update={"inbox": tmp_path / "inbox", "inbox_poll_seconds": 0.2})
    with TestClient(create_app(settings, workers=(inbox_watcher(settings),))):
        wait_for(lambda: (tmp_path / "inbox" / "done").is_dir())
        shutil.copy(sample_path(VIIRS), tmp_path / "inbox" / "viirs.csv")
        wait_for(lambda: (tmp_path / "inbox" / "done" / "viirs.csv").exists())
    assert _count(engine, "SELECT count(*) FROM hotspots") == VIIRS_ROWS


def test_the_inbox_watcher_needs_a_folder(settings: Settings) -> None:
    with pytest.raises(ValueError, match="GEOOPS_INBOX"):
        inbox_watcher(settings)


def test_only_configured_pollers_run(settings: Settings, tmp_path: Path) -> None:
    assert ingest_workers(settings) == ()
    both = settings.model_copy(update={"firms_sources": ["/data/a.csv"], "inbox": tmp_path})
    assert len(ingest_workers(both)) == 2
