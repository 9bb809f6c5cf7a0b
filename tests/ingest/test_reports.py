"""Reports from GeoJSON files and the checks every report passes (real PostGIS)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy import Engine
from typer.testing import CliRunner

from geoops.cli import app
from geoops.domain import IngestSummary
from geoops.errors import InvalidInput, PayloadTooLarge, UnusableInput
from geoops.ingest.photos import check_photo
from geoops.ingest.report_checks import ReportRules, check_text
from geoops.ingest.reports import ingest_reports_geojson
from geoops.store.engine import transaction


def feature(lon: Any = 129.73, lat: Any = 62.03, **properties: Any) -> dict[str, Any]:
    props = {"reported_at": "2021-09-29T04:10:00Z", "category": "smoke", "text": "Smoke on the hill"}
    props.update(properties)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def collection(*features: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def ingest(engine: Engine, data: bytes) -> IngestSummary:
    with transaction(engine) as session:
        return ingest_reports_geojson(data, session=session)


def rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)).mappings())


GOOD_AND_BAD = collection(
    feature(contact="ranger@example.org", photo="IMG_1.jpg"),  # 1: `photo` is not stored
    feature(lon=131.0, lat=63.5, category="open_fire", reporter_kind="crew", accuracy_m=15),  # 2
    {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},  # 3
    feature(lat=95.0),  # 4
    feature(reported_at="2999-01-01T00:00:00Z"),  # 5
    feature(category="ufo"),  # 6
    feature(reported_at=None),  # 7
    feature(text="?!?!"),  # 8
    feature(category="other", text=""),  # 9
    feature(
        lon=131.001, lat=63.5, category="open_fire", text="Same fire, other reporter"
    ),  # 10: ~50 m from 2
    feature(reporter_kind="robot"),  # 11
    "not a feature",  # 12
)


def test_geojson_reports_with_per_feature_errors_and_idempotent_reingest(engine: Engine) -> None:
    summary = ingest(engine, GOOD_AND_BAD)
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (12, 3, 0, 9)
    reasons = {e.line: e.reason for e in summary.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert "Point" in reasons[3] and "latitude" in reasons[4] and "future" in reasons[5]
    assert "category must be one of" in reasons[6] and "reported_at is required" in reasons[7]
    assert "no letters or digits" in reasons[8] and "required for the category other" in reasons[9]
    assert "reporter_kind" in reasons[11] and "Point" in reasons[12]
    stored = rows(engine, "SELECT *, ST_X(geom) AS lon FROM reports ORDER BY id")
    assert [r["category"] for r in stored] == ["smoke", "open_fire", "open_fire"]
    assert stored[0]["contact"] == "ranger@example.org" and stored[0]["reporter_kind"] == "citizen"
    assert stored[0]["reported_at"] == datetime(2021, 9, 29, 4, 10, tzinfo=UTC)  # old times are fine in files
    assert stored[1]["reporter_kind"] == "crew" and stored[1]["accuracy_m"] == 15
    assert stored[2]["duplicate_of"] == stored[1]["id"]  # linked, not multiplied
    assert len(rows(engine, "SELECT id FROM events WHERE kind = 'report.received'")) == 3

    again = ingest(engine, GOOD_AND_BAD)
    assert (again.inserted, again.duplicates, again.rejected) == (0, 3, 9)
    assert len(rows(engine, "SELECT id FROM reports")) == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"latitude,longitude\n1,2\n", "not a GeoJSON file"),
        (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "no features list"),
        (b"\xff\xfe", "not a GeoJSON file"),
    ],
)
def test_unusable_files_raise_and_write_nothing(engine: Engine, data: bytes, reason: str) -> None:
    with pytest.raises(UnusableInput, match=reason):
        ingest(engine, data)
    assert rows(engine, "SELECT count(*) AS n FROM reports")[0]["n"] == 0


def test_cli_ingest_reports(database_url: str, tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "reports.geojson"
    path.write_bytes(collection(feature(), feature(lat=100)))
    env = {"GEOOPS_DATABASE_URL": database_url, "GEOOPS_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["ingest", "reports", str(path)], env=env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (2, 1, 1)
    assert summary["errors"][0]["line"] == 2
    broken = tmp_path / "broken.geojson"
    broken.write_text("<html>not found</html>")
    result = CliRunner().invoke(app, ["ingest", "reports", str(broken)], env=env)
    assert result.exit_code == 2 and "not a GeoJSON file" in result.stderr


@pytest.mark.parametrize("text", ["Smoke", "  Дым над лесом  ", "2 fires", "ok", ""])
def test_text_that_passes(text: str) -> None:
    assert check_text(text, "smoke", ReportRules()) == text.strip()


@pytest.mark.parametrize("text", ["...", " ", "\n\t", "zzzzzz", "Z z z z", "🔥🔥🔥"])
def test_text_that_is_spam(text: str) -> None:
    with pytest.raises(InvalidInput):
        check_text(text, "smoke", ReportRules())


def test_photo_limits_and_types() -> None:
    image = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(image, "WEBP")
    photo = check_photo(image.getvalue(), name="w", max_bytes=10**6, max_pixels=10**6)
    assert (photo.format, photo.width, photo.height, photo.latitude, photo.taken_at()) == (
        "WEBP",
        300,
        200,
        None,
        None,
    )
    with pytest.raises(PayloadTooLarge, match="pixels"):
        check_photo(image.getvalue(), name="w", max_bytes=10**6, max_pixels=300 * 200 - 1)
    with pytest.raises(PayloadTooLarge, match="larger than"):
        check_photo(image.getvalue(), name="w", max_bytes=10, max_pixels=10**6)
    with pytest.raises(InvalidInput, match="damaged"):
        jpeg = io.BytesIO()
        Image.new("RGB", (300, 200)).save(jpeg, "JPEG")
        check_photo(jpeg.getvalue()[:200], name="cut.jpg", max_bytes=10**6, max_pixels=10**6)


def test_photo_time_without_offset_is_read_in_the_reporters_zone() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:07:01 15:30:00"  # DateTimeOriginal, no OffsetTimeOriginal
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG", exif=exif)
    photo = check_photo(out.getvalue(), name="p", max_bytes=10**6, max_pixels=10**6)
    assert photo.taken_at(9 * 60) == datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    assert photo.taken_at() == datetime(2026, 7, 1, 15, 30, tzinfo=UTC)
