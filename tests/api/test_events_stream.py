"""The Server-Sent Events stream over real HTTP: live delivery on ingest, and resuming."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from geoops.workers import detector
from tests.live_server import serve

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
MODIS = "modis_c6_nrt_russia_asia_24h_2018-10-20.csv"
WITHIN_S = 20.0  # every wait for the stream is bounded by this
# A read that gets nothing for this long fails the test (the server sends a keepalive every 15 s).
STREAM_TIMEOUT = httpx.Timeout(10.0, read=WITHIN_S)


@dataclass(frozen=True)
class Frame:
    id: int
    kind: str
    data: dict[str, Any]


def frames(lines: Iterator[str]) -> Iterator[Frame]:
    """Parse an SSE line stream into events (comments and ``retry`` are skipped)."""
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield Frame(int(fields["id"]), fields["event"], json.loads(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def collect(
    stream: Iterator[Frame], done: Callable[[list[Frame]], bool], within: float = WITHIN_S
) -> list[Frame]:
    """Frames from ``stream`` until ``done(frames)``; fails if that takes longer than ``within``."""
    got: list[Frame] = []
    deadline = time.monotonic() + within
    for frame in stream:
        got.append(frame)
        if done(got):
            return got
        if time.monotonic() > deadline:
            break
    kinds = sorted({f.kind for f in got})
    raise AssertionError(f"stream did not deliver what was expected within {within}s; got {len(got)} {kinds}")


def stored_events(engine: Engine, after: int, upto: int | None = None) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, kind FROM events WHERE id > :after AND id <= :upto ORDER BY id"),
            {"after": after, "upto": upto if upto is not None else 2**62},
        )
        return [(r.id, r.kind) for r in rows]


def after_detection(engine: Engine) -> Callable[[list[Frame]], bool]:
    """Done once the stream has caught up with the first detection pass it reports.

    A pass commits all its events at once, so when its first event arrives the table
    holds the rest: read the last id then, once, rather than on every frame.
    """
    last: list[int] = []

    def done(got: list[Frame]) -> bool:
        if not last and got[-1].kind.startswith("incident."):
            last.append(stored_events(engine, got[-1].id - 1)[-1][0])
        return bool(last) and got[-1].id >= last[0]

    return done


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with serve(create_app(settings, workers=(detector(settings),))) as url:
        yield url


def post_csv(base_url: str, path: Path, headers: dict[str, str]) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/api/v1/hotspots",
        content=path.read_bytes(),
        headers={"Content-Type": "text/csv", **headers},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


def test_stream_needs_credentials(base_url: str) -> None:
    response = httpx.get(f"{base_url}/api/v1/events", timeout=STREAM_TIMEOUT)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_stream_delivers_ingest_and_detection_then_resumes_without_gaps(
    base_url: str, engine: Engine, sample_path: Callable[[str], Path], admin_headers: dict[str, str]
) -> None:
    url = f"{base_url}/api/v1/events"
    with httpx.Client(timeout=STREAM_TIMEOUT, headers=admin_headers) as http:
        with http.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            # The cursor is fixed once the headers are sent: what follows is "from now on".
            assert post_csv(base_url, sample_path(VIIRS), admin_headers)["inserted"] == 6226
            live = collect(frames(response.iter_lines()), after_detection(engine))

        # Everything the stream sent is the events table, in order, with nothing skipped.
        assert [(f.id, f.kind) for f in live] == stored_events(engine, 0)
        assert live[0].kind == "hotspots.ingested"
        ingested = live[0].data
        assert (ingested["id"], ingested["source"], ingested["inserted"]) == (live[0].id, "http", 6226)
        created = [f for f in live if f.kind == "incident.created"]
        with engine.connect() as conn:
            incidents = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
        assert len(created) == incidents > 0
        for f in created:
            assert f.data["id"] == f.id
            assert {"incident_id", "number", "status", "priority", "hotspot_count"} <= f.data.keys()

        # Resume from an id in the middle: the next event is the very next one stored.
        pivot = live[len(live) // 2].id
        with http.stream("GET", url, headers={"Last-Event-ID": str(pivot)}) as response:
            assert response.status_code == 200
            resumed = collect(frames(response.iter_lines()), lambda got: got[-1].id >= live[-1].id)
        assert resumed[0].id > pivot
        assert [(f.id, f.kind) for f in resumed] == stored_events(engine, pivot)

        # ?after= resumes the same way, and a caught-up stream goes on delivering live events.
        with http.stream("GET", url, params={"after": live[-1].id}) as response:
            assert response.status_code == 200
            stream = frames(response.iter_lines())
            assert post_csv(base_url, sample_path(MODIS), admin_headers)["inserted"] == 1725
            more = collect(stream, after_detection(engine))
        assert more[0].id == live[-1].id + 1
        assert more[0].kind == "hotspots.ingested" and more[0].data["inserted"] == 1725
        assert [(f.id, f.kind) for f in more] == stored_events(engine, live[-1].id, more[-1].id)


def test_stream_without_cursor_starts_from_now(
    base_url: str, engine: Engine, sample_path: Callable[[str], Path], admin_headers: dict[str, str]
) -> None:
    post_csv(base_url, sample_path(MODIS), admin_headers)
    deadline = time.monotonic() + WITHIN_S
    while not any(kind == "incident.created" for _, kind in stored_events(engine, 0)):
        assert time.monotonic() < deadline, "the detector worker created no incidents"
        time.sleep(0.2)
    backlog = stored_events(engine, 0)[-1][0]

    with (
        httpx.Client(timeout=STREAM_TIMEOUT, headers=admin_headers) as http,
        http.stream("GET", f"{base_url}/api/v1/events") as response,
    ):
        stream = frames(response.iter_lines())
        post_csv(base_url, sample_path(VIIRS), admin_headers)
        first = collect(stream, lambda got: True)
    assert first[0].id > backlog
    assert first[0].kind == "hotspots.ingested" and first[0].data["inserted"] == 6226
