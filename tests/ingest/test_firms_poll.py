"""Polling FIRMS sources against a real local HTTP server and real PostGIS."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.errors import UnusableInput
from geoops.ingest.firms_poll import (
    FirmsSource,
    parse_source,
    poll_source,
    register_sources,
)
from geoops.ingest.http_fetch import fetch_url
from tests.ingest.http_fixture import FixtureServer, http_fixture

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
VIIRS_ROWS = 6226
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def feed(tmp_path: Path, sample_path: Callable[[str], Path]) -> Iterator[FixtureServer]:
    """The real VIIRS sample served as ``viirs.csv`` by a local HTTP server."""
    (tmp_path / "viirs.csv").write_bytes(sample_path(VIIRS).read_bytes())
    with http_fixture(tmp_path) as server:
        yield server


def _status(engine: Engine, name: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT *, extract(epoch FROM next_attempt_at - now()) AS due_in "
                "FROM firms_sources WHERE name = :n"
            ),
            {"n": name},
        )
        return dict(row.mappings().one())


def _hotspots(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one())


def _source(url: str, name: str = "viirs") -> FirmsSource:
    return parse_source(f"{name}={url}")


def _registered(engine: Engine, *sources: FirmsSource) -> None:
    register_sources(list(sources), engine=engine)  # also makes them due at once


def test_first_poll_ingests_then_304_ingests_nothing(engine: Engine, feed: FixtureServer) -> None:
    source = _source(feed.url("viirs.csv"))
    _registered(engine, source)

    first = poll_source(source, engine=engine, interval_s=0)
    assert first.result == "ingested" and first.summary is not None
    assert (first.summary.read, first.summary.inserted) == (VIIRS_ROWS, VIIRS_ROWS)

    second = poll_source(source, engine=engine, interval_s=0)
    assert second.result == "not_modified"
    assert feed.not_modified == 1
    assert "if-none-match" in feed.requests[1][1] and "if-modified-since" in feed.requests[1][1]
    assert _hotspots(engine) == VIIRS_ROWS

    status = _status(engine, "viirs")
    assert status["last_result"] == "not_modified"
    assert status["last_success_at"] is not None and status["last_error"] is None
    assert (status["last_rows_read"], status["last_rows_inserted"]) == (VIIRS_ROWS, VIIRS_ROWS)
    assert status["etag"] and status["last_modified"] and status["consecutive_failures"] == 0


def test_a_source_is_not_polled_before_it_is_due(engine: Engine, feed: FixtureServer) -> None:
    source = _source(feed.url("viirs.csv"))
    _registered(engine, source)
    assert poll_source(source, engine=engine, interval_s=600).result == "ingested"
    assert poll_source(source, engine=engine, interval_s=600).result == "skipped"
    assert feed.count == 1
    assert 590 < _status(engine, "viirs")["due_in"] <= 600


def test_a_changed_file_is_fetched_again_and_adds_only_new_rows(
    engine: Engine, feed: FixtureServer, tmp_path: Path
) -> None:
    lines = (tmp_path / "viirs.csv").read_bytes().splitlines(keepends=True)
    (tmp_path / "viirs.csv").write_bytes(b"".join(lines[:3001]))  # header + 3000 rows
    source = _source(feed.url("viirs.csv"))
    _registered(engine, source)
    assert poll_source(source, engine=engine, interval_s=0).result == "ingested"
    assert _hotspots(engine) == 3000

    (tmp_path / "viirs.csv").write_bytes(b"".join(lines))
    again = poll_source(source, engine=engine, interval_s=0)
    assert again.summary is not None
    assert (again.summary.read, again.summary.inserted, again.summary.duplicates) == (6226, 3226, 3000)
    assert _hotspots(engine) == VIIRS_ROWS


@pytest.mark.parametrize(("mode", "reason"), [("fail", "HTTP 500"), ("html", "HTML")])
def test_failures_back_off_and_a_success_clears_them(
    engine: Engine, feed: FixtureServer, mode: Any, reason: str
) -> None:
    source = _source(feed.url("viirs.csv"))
    _registered(engine, source)
    feed.mode = mode

    assert poll_source(source, engine=engine, interval_s=60).result == "failed"
    status = _status(engine, "viirs")
    assert reason in status["last_error"] and status["consecutive_failures"] == 1
    assert 29 < status["due_in"] <= 60  # 60 s base, jittered down to at most half
    assert poll_source(source, engine=engine, interval_s=60).result == "skipped"  # backing off
    assert feed.count == 1

    _registered(engine, source)  # a restart retries at once; failures keep counting
    assert poll_source(source, engine=engine, interval_s=60).result == "failed"
    status = _status(engine, "viirs")
    assert status["consecutive_failures"] == 2 and 59 < status["due_in"] <= 120
    assert _hotspots(engine) == 0

    feed.mode = "normal"
    _registered(engine, source)
    assert poll_source(source, engine=engine, interval_s=60).result == "ingested"
    status = _status(engine, "viirs")
    assert status["consecutive_failures"] == 0 and status["last_result"] == "ingested"
    assert reason in status["last_error"]  # the last error stays visible after recovery
    assert _hotspots(engine) == VIIRS_ROWS


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_records_a_failure(engine: Engine) -> None:
    source = _source(f"http://127.0.0.1:{_closed_port()}/api/area/csv/{KEY}/VIIRS_SNPP_NRT/world/1")
    _registered(engine, source)
    outcome = poll_source(source, engine=engine, interval_s=10)
    assert outcome.result == "failed" and outcome.error
    status = _status(engine, "viirs")
    assert status["consecutive_failures"] == 1 and status["last_error_at"] is not None
    assert KEY not in status["last_error"] and KEY not in status["url"]


def test_a_file_source_is_reread_only_when_it_changes(
    engine: Engine, tmp_path: Path, sample_path: Callable[[str], Path]
) -> None:
    path = tmp_path / "drop.csv"
    lines = sample_path(VIIRS).read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:101]))
    source = parse_source(str(path))
    assert (source.kind, source.name) == ("file", str(path))
    _registered(engine, source)
    assert poll_source(source, engine=engine, interval_s=0).result == "ingested"
    assert poll_source(source, engine=engine, interval_s=0).result == "not_modified"
    path.write_bytes(b"".join(lines[:201]))
    again = poll_source(source, engine=engine, interval_s=0)
    assert again.summary is not None and again.summary.inserted == 100
    path.unlink()
    assert poll_source(source, engine=engine, interval_s=0).result == "failed"
    assert "drop.csv" in _status(engine, str(path))["last_error"]


def test_fetch_url_returns_the_body(feed: FixtureServer, tmp_path: Path) -> None:
    assert fetch_url(feed.url("viirs.csv")) == (tmp_path / "viirs.csv").read_bytes()


def test_fetch_url_errors_are_unusable_input_without_the_key(feed: FixtureServer) -> None:
    with pytest.raises(UnusableInput, match="HTTP 404") as missing:
        fetch_url(feed.url(f"api/area/csv/{KEY}/VIIRS_SNPP_NRT/world/1"))
    assert KEY not in missing.value.detail and "/api/area/csv/***/" in missing.value.detail
    feed.mode = "fail"
    with pytest.raises(UnusableInput, match="HTTP 500"):
        fetch_url(feed.url("viirs.csv"))
    with pytest.raises(UnusableInput, match="cannot fetch"):
        fetch_url(f"http://127.0.0.1:{_closed_port()}/x.csv")
    feed.mode, feed.delay_s = "normal", 1.0
    with pytest.raises(UnusableInput, match="in time"):
        fetch_url(feed.url("viirs.csv"), timeout=httpx.Timeout(0.2))
    with pytest.raises(UnusableInput):
        fetch_url("http://")
