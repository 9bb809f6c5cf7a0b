"""Replay of every source against a real PostGIS: FIRMS passes, stations, observations and
reports merged in observation-time order, with detection after each step."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from geoops.cli import app
from geoops.detect.detection_pass import DetectParams
from geoops.errors import UnusableInput
from geoops.replay import ReplayOptions, ReplayStep, SourceKind, load_steps, replay

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
STATIONS = b"station_id,lon,lat,name,kind\nprm-01,56.17,57.88,Perm east,pm\n"
OBSERVATIONS = b"""station_id,observed_at,property,value,unit
prm-01,2021-09-28T00:05:00Z,pm25,20,ug/m3
prm-01,yesterday,pm25,25,ug/m3
prm-01,2021-09-28T00:15:00Z,pm25,320,ug/m3
prm-01,2021-09-28T00:16:00Z,pm25,abc,ug/m3
prm-01,2021-09-28T06:00:00+03:00,pm25,30,ug/m3
"""


def at(hhmm: str) -> datetime:
    return datetime.strptime(f"2021-09-28 {hhmm}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def report(reported_at: str, text: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [56.16, 57.87]},
        "properties": {"reported_at": reported_at, "category": "smoke", "text": text},
    }


def viirs_rows(sample_path: Callable[[str], Path], times: tuple[str, ...], per_time: int = 3) -> bytes:
    """The fixture's header and its first ``per_time`` rows of each acquisition time."""
    header, *rows = sample_path(VIIRS).read_text().splitlines()
    chosen = [[r for r in rows if r.split(",")[6] == t][:per_time] for t in times]
    return "\n".join([header, *(r for group in chosen for r in group)]).encode() + b"\n"


@pytest.fixture
def files(tmp_path: Path, sample_path: Callable[[str], Path]) -> list[Path]:
    """A FIRMS file (passes at 00:11 and 03:17), stations, observations and reports (01:00, 02:30)."""
    contents = {
        "reports.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    report("2021-09-28T02:30:00Z", "Flames behind the farm"),
                    report("2021-09-28T01:00:00+00:00", "Smoke over the forest"),
                ],
            }
        ).encode(),
        "readings.csv": OBSERVATIONS,
        "viirs.csv": viirs_rows(sample_path, ("0011", "0317")),
        "stations.csv": STATIONS,
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    return [tmp_path / name for name in contents]


def run(engine: Engine, paths: list[Path], **kwargs: Any) -> list[ReplayStep]:
    steps: list[ReplayStep] = []
    replay(load_steps(paths), engine=engine, params=DetectParams(), speed=0, on_step=steps.append, **kwargs)
    return steps


def rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)))


def test_every_source_in_time_order(engine: Engine, files: list[Path]) -> None:
    steps = run(engine, files)
    assert [(s.kind.value, s.observed_at, s.source) for s in steps] == [
        ("stations", None, "stations.csv"),
        ("observations", at("00:05"), "readings.csv"),
        ("firms", at("00:11"), "viirs.csv"),
        ("observations", at("00:16"), "readings.csv"),
        ("reports", at("01:00"), "reports.geojson"),
        ("reports", at("02:30"), "reports.geojson"),
        ("observations", at("03:00"), "readings.csv"),
        ("firms", at("03:17"), "viirs.csv"),
    ]
    assert [s.ingest.inserted for s in steps] == [1, 1, 3, 1, 1, 1, 1, 3]
    assert all(s.detection is not None for s in steps[1:]) and steps[0].detection is None
    hotspots = rows(engine, "SELECT observed_at, source FROM hotspots ORDER BY observed_at")
    assert [(h.observed_at, h.source) for h in hotspots] == [(at("00:11"), "viirs.csv")] * 3 + [
        (at("03:17"), "viirs.csv")
    ] * 3
    stored = rows(engine, "SELECT observed_at, value FROM observations ORDER BY observed_at")
    assert [(o.observed_at, o.value) for o in stored] == [
        (at("00:05"), 20),
        (at("00:15"), 320),
        (at("03:00"), 30),
    ]
    reports = rows(engine, "SELECT reported_at, text FROM reports ORDER BY reported_at")
    assert [(r.reported_at, r.text) for r in reports] == [
        (at("01:00"), "Smoke over the forest"),
        (at("02:30"), "Flames behind the farm"),
    ]


def test_observation_steps_fire_the_sensor_rules(engine: Engine, files: list[Path]) -> None:
    steps = run(engine, files, detect=False)
    alarms = rows(engine, "SELECT station_id, rule, observed_at, value FROM sensor_alarms ORDER BY rule")
    # 320 is above the 150 ug/m3 threshold, and a rise of 300 within 30 minutes of the 20 at 00:05
    assert [(a.station_id, a.observed_at, a.value) for a in alarms] == [("prm-01", at("00:15"), 320)] * 2
    assert {a.rule for a in alarms} == {"threshold", "rate"}
    assert all(s.detection is None for s in steps)


def test_bad_rows_are_reported_with_their_file_line_and_the_rest_goes_in(
    engine: Engine, files: list[Path]
) -> None:
    readings = [s.ingest for s in run(engine, files) if s.kind == SourceKind.OBSERVATIONS]
    first, second, third = readings
    assert (first.read, first.inserted, first.rejected) == (
        2,
        1,
        1,
    )  # the unreadable time joins the first step
    assert [(e.line, e.reason) for e in first.errors] == [
        (3, "observed_at 'yesterday' is not an ISO 8601 time")
    ]
    assert (second.read, second.inserted, second.rejected) == (2, 1, 1)
    assert [(e.line, e.reason) for e in second.errors] == [(5, "value 'abc' is not a number")]
    assert (third.read, third.inserted, third.rejected) == (1, 1, 0)


def test_firms_errors_carry_the_file_line(
    engine: Engine, tmp_path: Path, sample_path: Callable[[str], Path]
) -> None:
    lines = viirs_rows(sample_path, ("0011", "0317"), per_time=2).decode().splitlines()
    lines[4] = lines[4].replace(",0317,", ",2517,")  # line 5: no such time of day
    lines[3] = "97.0," + lines[3].split(",", 1)[1]  # line 4: latitude out of range
    path = tmp_path / "viirs.csv"
    path.write_text("\n".join(lines) + "\n")
    first, second = [s.ingest for s in run(engine, [path], detect=False)]
    assert (first.read, first.inserted, [e.line for e in first.errors]) == (3, 2, [5])
    assert (second.read, second.inserted, [e.line for e in second.errors]) == (1, 0, [4])


def test_a_second_replay_inserts_nothing(engine: Engine, files: list[Path]) -> None:
    run(engine, files)
    again = run(engine, files)
    assert sum(s.ingest.inserted for s in again) == 0
    assert [s.ingest.duplicates for s in again] == [1, 1, 3, 1, 1, 1, 1, 3]
    counts = rows(engine, "SELECT (SELECT count(*) FROM hotspots), (SELECT count(*) FROM observations), "
                  "(SELECT count(*) FROM reports), (SELECT count(*) FROM sensor_alarms)")  # fmt: skip
    assert tuple(counts[0]) == (6, 3, 2, 2)


def test_an_unrecognised_file_is_refused_by_name_before_anything_is_written(
    engine: Engine, files: list[Path], tmp_path: Path, database_url: str
) -> None:
    lakes = tmp_path / "lakes.geojson"
    lakes.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]})
    )
    notes = tmp_path / "notes.csv"
    notes.write_text("when,what\n2021-09-28,smoke\n")
    with pytest.raises(UnusableInput, match=r"lakes\.geojson: .*not of reports"):
        load_steps([*files, lakes])
    with pytest.raises(UnusableInput, match=r"notes\.csv: not a FIRMS CSV, a stations CSV"):
        load_steps([*files, notes])
    result = CliRunner().invoke(
        app, ["replay", *map(str, files), str(notes)], env={"GEOOPS_DATABASE_URL": database_url}
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "notes.csv" in result.stderr
    assert rows(engine, "SELECT count(*) FROM hotspots")[0][0] == 0


def test_gzip_and_names_do_not_matter(engine: Engine, files: list[Path], tmp_path: Path) -> None:
    import gzip

    renamed = tmp_path / "upload.bin"
    renamed.write_bytes(gzip.compress(files[2].read_bytes()))  # the FIRMS file
    assert [(s.kind, s.observed_at) for s in load_steps([renamed])] == [
        (SourceKind.FIRMS, at("00:11")),
        (SourceKind.FIRMS, at("03:17")),
    ]


def test_the_slot_sets_how_much_time_one_step_holds(files: list[Path]) -> None:
    hourly = load_steps(files, ReplayOptions(slot=timedelta(hours=1)))
    readings = [s.observed_at for s in hourly if s.kind == SourceKind.OBSERVATIONS]
    assert readings == [at("00:16"), at("03:00")]


class RecordedWaits(threading.Event):
    """A stop event that records how long the replay asks to wait, without waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def test_speed_divides_the_time_between_steps(engine: Engine, files: list[Path]) -> None:
    stop = RecordedWaits()
    replay(load_steps(files), engine=engine, params=DetectParams(), speed=60, stop=stop, detect=False)
    # steps at 00:05, 00:11, 00:16, 01:00, 02:30, 03:00, 03:17; 60x: a minute is a second
    assert stop.waits == [6.0, 5.0, 30.0, 30.0, 30.0, 17.0]  # gaps over 30 s are capped


def test_stop_ends_the_replay_between_steps(engine: Engine, files: list[Path]) -> None:
    stop = threading.Event()
    seen: list[ReplayStep] = []

    def halt_after_the_first_pass(step: ReplayStep) -> None:
        seen.append(step)
        if step.kind == SourceKind.FIRMS:
            stop.set()

    replay(load_steps(files), engine=engine, params=DetectParams(), speed=3600, on_step=halt_after_the_first_pass,
           stop=stop, detect=False)  # fmt: skip
    assert [s.kind.value for s in seen] == ["stations", "observations", "firms"]
    assert rows(engine, "SELECT count(*) FROM hotspots")[0][0] == 3
    assert rows(engine, "SELECT count(*) FROM reports")[0][0] == 0
