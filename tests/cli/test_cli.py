"""The ``geoops`` command against a real PostGIS: JSON on stdout, one-line errors, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from geoops.cli import app
from geoops.store import migrate

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"


@pytest.fixture
def geoops(database_url: str, tmp_path: Path) -> Callable[..., Result]:
    """Run ``geoops ARGS...`` in-process against the test database."""
    runner = CliRunner()
    env = {"GEOOPS_DATABASE_URL": database_url, "GEOOPS_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


def stdout_json(result: Result) -> Any:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # one JSON document per command
    return json.loads(lines[0])


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_ingest_detect_export(
    geoops: Callable[..., Result], engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    viirs = str(sample_path(VIIRS))
    assert stdout_json(geoops("ingest", "firms", viirs)) == {
        "read": 6226,
        "inserted": 6226,
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
    }
    again = stdout_json(geoops("ingest", "firms", viirs))
    assert (again["read"], again["inserted"], again["duplicates"]) == (6226, 0, 6226)
    assert count(engine, "hotspots") == 6226

    detection = stdout_json(geoops("detect"))
    assert detection["hotspots"] == 6226
    assert detection["created"] and detection["merged"] == {}
    assert count(engine, "incidents") == len(detection["created"])
    assert stdout_json(geoops("detect"))["hotspots"] == 0  # nothing new the second time

    exported = stdout_json(geoops("incidents", "export"))
    assert exported["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in exported["features"]) == sorted(detection["created"])
    assert sum(f["properties"]["hotspot_count"] for f in exported["features"]) == 6226
    assert {f["geometry"]["type"] for f in exported["features"]} <= {"Polygon", "MultiPolygon"}
    for feature in exported["features"]:  # the export explains each priority and counts evidence
        p = feature["properties"]
        assert p["evidence_counts"] == {"hotspot": p["hotspot_count"], "sensor": 0, "report": 0}
        assert p["first_observed_by_source"]["satellite"] is not None and p["sources"] == ["satellite"]
        components = p["priority_components"]
        assert {"settlement", "fwi", "intensity"} <= components.keys()
        assert p["priority_score"] == sum(c["points"] for c in components.values())


def test_unusable_input_exits_2_with_one_line_and_writes_nothing(
    geoops: Callable[..., Result], engine: Engine, tmp_path: Path
) -> None:
    page = tmp_path / "download.csv"
    page.write_text("<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Sign in</body></html>\n")
    for target, why in ((page, "HTML"), (tmp_path / "missing.csv", "missing.csv")):
        result = geoops("ingest", "firms", str(target))
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        reason = result.stderr.rstrip("\n")
        assert reason.startswith("error:") and why in reason, reason
        assert "\n" not in reason, reason  # one line, no traceback
    assert count(engine, "hotspots") == 0
    assert count(engine, "events") == 0


def test_unknown_export_format_exits_2(geoops: Callable[..., Result]) -> None:
    result = geoops("incidents", "export", "--format", "kml")
    assert result.exit_code == 2
    assert "kml" in result.stderr and "\n" not in result.stderr.strip()


def test_layers_import(geoops: Callable[..., Result], engine: Engine, tmp_path: Path) -> None:
    ring = [[30.0, 60.0], [30.5, 60.0], [30.5, 60.4], [30.0, 60.0]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"n": 1},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [30.2, 60.1]},
                "properties": {"n": 2},
            },
        ],
    }
    path = tmp_path / "posts.geojson"
    path.write_text(json.dumps(collection))
    summary = stdout_json(geoops("layers", "import", "fire_posts", str(path), "--title", "Fire posts"))
    assert summary == {
        "layer": "fire_posts",
        "read": 2,
        "inserted": 2,
        "rejected": 0,
        "repaired": 0,
        "errors": [],
    }
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text(
                "SELECT l.title, l.feature_count, count(f.id) FROM layers l "
                "JOIN layer_features f ON f.layer_id = l.id WHERE l.name = 'fire_posts' "
                "GROUP BY l.title, l.feature_count"
            )
        ).one()
    assert tuple(stored) == ("Fire posts", 2, 2)

    bad = geoops("layers", "import", "Bad-Name", str(path))
    assert bad.exit_code == 2 and "Bad-Name" in bad.stderr


def test_db_status_with_url(geoops: Callable[..., Result], database_url: str) -> None:
    status = stdout_json(geoops("db", "status"))
    assert status["mode"] == "external"
    assert status["answering"] is True
    assert status["postgis"].startswith("3.")
    assert status["revision"] == status["head"] == migrate.head_revision()
    assert "geoops" in status["url"]


def test_db_status_reports_a_database_that_does_not_answer(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@/geoops?host={tmp_path}&port=1"
    result = CliRunner().invoke(app, ["db", "status"], env={"GEOOPS_DATABASE_URL": url})
    assert result.exit_code == 1
    status = json.loads(result.stdout)
    assert status["answering"] is False and status["reason"]
