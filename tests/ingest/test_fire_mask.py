"""Fire-mask GeoTIFFs (built here with rasterio) into hotspots at pixel centres."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import sqlalchemy as sa
from affine import Affine
from pyproj import Transformer
from sqlalchemy import Engine

from geoops.domain import IngestSummary
from geoops.errors import InvalidInput, UnusableInput
from geoops.ingest import fire_mask
from geoops.ingest.fire_mask import ingest_fire_mask, parse_classes, read_fire_mask
from geoops.store.engine import transaction

WHEN = datetime(2021, 7, 1, 4, 15, tzinfo=UTC)
# UTM 52N, 1 km pixels, upper-left corner a few km west of Yakutsk (62.03 N, 129.73 E)
UTM_ORIGIN = (530_000.0, 6_882_000.0)
TIFF_TIME = "TIFFTAG_DATETIME"
FIRES = {(2, 3): 7, (4, 5): 8, (6, 1): 9}  # (row, col) -> MOD14 class


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)  # rasterio's, minus its warning


def _write(path: Path, bands: np.ndarray, *, crs: str | None, transform: Any, **extra: Any) -> Path:
    bands = bands if bands.ndim == 3 else bands[None]
    tags = extra.pop("tags", {})
    profile = {"driver": "GTiff", "count": len(bands), "dtype": bands.dtype.name, "crs": crs}
    with rasterio.open(
        path, "w", height=bands.shape[1], width=bands.shape[2], transform=transform, **profile, **extra
    ) as dst:
        dst.write(bands)
        dst.update_tags(**tags)
    return path


def _utm(path: Path, bands: np.ndarray, size: float = 1000, **extra: Any) -> Path:
    """A GeoTIFF in UTM 52N with ``size`` metre pixels from UTM_ORIGIN."""
    return _write(path, bands, crs="EPSG:32652", transform=from_origin(*UTM_ORIGIN, size, size), **extra)


def _utm_mask(path: Path, **extra: Any) -> Path:
    """8 x 10 pixels of non-fire classes 0-6, three fires, a nodata corner (255)."""
    data = (np.arange(80, dtype=np.uint8) % 7).reshape(8, 10)
    data[0, :3] = 255
    for (row, col), value in FIRES.items():
        data[row, col] = value
    return _utm(path, data, nodata=255, **extra)


def _ingest(engine: Engine, path: Path, **options: Any) -> IngestSummary:
    with transaction(engine) as session:
        return ingest_fire_mask(path, session=session, **{"observed_at": WHEN, **options})


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)).all())


def test_projected_mask_becomes_hotspots_at_pixel_centres(engine: Engine, tmp_path: Path) -> None:
    path = _utm_mask(tmp_path / "mask.tif")

    summary = _ingest(engine, path, satellite="Terra", instrument="MODIS")
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (3, 3, 0, 0)

    to_wgs84 = Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True)
    found = _rows(
        engine,
        "SELECT latitude, longitude, ST_X(geom), ST_Y(geom), confidence, confidence_raw, scan, track,"
        " ST_Area(footprint::geography), observed_at, satellite, instrument, source"
        " FROM hotspots ORDER BY confidence",
    )
    for row, ((r, c), value) in zip(found, sorted(FIRES.items(), key=lambda item: item[1]), strict=True):
        lon, lat = to_wgs84.transform(UTM_ORIGIN[0] + (c + 0.5) * 1000, UTM_ORIGIN[1] - (r + 0.5) * 1000)
        assert float(row[0]) == pytest.approx(lat, abs=1e-5)
        assert float(row[1]) == pytest.approx(lon, abs=1e-5)
        assert (row[2], row[3]) == pytest.approx((lon, lat), abs=1e-5)
        assert (row[4], row[5]) == ({7: 15, 8: 55, 9: 90}[value], str(value))
        assert (row[6], row[7]) == pytest.approx((1.0, 1.0), abs=0.002)  # UTM scale ~1.0004 here
        assert row[8] == pytest.approx(1e6, rel=0.02)
        assert row[9:] == (WHEN, "Terra", "MODIS", "mask.tif")
    assert 61.9 < float(found[0][0]) < 62.2 and 129.4 < float(found[0][1]) < 129.9

    again = _ingest(engine, path, satellite="Terra", instrument="MODIS")
    assert (again.read, again.inserted, again.duplicates) == (3, 0, 3)
    assert _rows(engine, "SELECT count(*) FROM hotspots") == [(3,)]
    assert _rows(engine, "SELECT kind, payload FROM events") == [
        ("hotspots.ingested", {"source": "mask.tif", "inserted": 3})
    ]


def test_large_masks_are_read_in_strips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = np.zeros((40, 40), dtype=np.uint8)
    data[15, 3], data[16, 4], data[39, 39] = 7, 8, 9  # either side of a strip edge, last pixel
    path = _utm(tmp_path / "tiled.tif", data, tiled=True, blockxsize=16, blockysize=16)
    whole = read_fire_mask(path, observed_at=WHEN).frame
    monkeypatch.setattr(fire_mask, "STRIP_PIXELS", 1)  # one 16-row strip at a time
    strips = read_fire_mask(path, observed_at=WHEN).frame
    assert strips["confidence_raw"].tolist() == ["7", "8", "9"]
    assert strips.equals(whole)


def test_pixels_outside_the_crs_valid_area_are_rejected_rows(tmp_path: Path) -> None:
    ortho = "+proj=ortho +lat_0=62 +lon_0=129 +ellps=WGS84"  # the second pixel is off the globe
    data = np.array([[8, 9]], dtype=np.uint8)
    path = _write(tmp_path / "ortho.tif", data, crs=ortho, transform=from_origin(0, 2.5e6, 5e6, 5e6))
    rows = read_fire_mask(path, observed_at=WHEN)
    assert (rows.read, len(rows.frame), rows.frame["confidence_raw"].tolist()) == (2, 1, ["8"])
    assert [(e.line, "outside" in e.reason) for e in rows.errors] == [(1, True)]


def test_band_and_class_mapping_are_configurable(engine: Engine, tmp_path: Path) -> None:
    first = np.full((4, 4), 9, dtype=np.int16)  # band 1 is all "fire" but not the band asked for
    second = np.zeros((4, 4), dtype=np.int16)
    second[1, 2], second[3, 0] = 1, 2
    path = _utm(tmp_path / "two.tif", np.stack([first, second]), size=500)

    summary = _ingest(engine, path, band=2, classes=parse_classes("1=100, 2=40"))
    assert (summary.read, summary.inserted) == (2, 2)
    found = _rows(engine, "SELECT confidence, confidence_raw, scan FROM hotspots ORDER BY confidence")
    assert [(conf, raw) for conf, raw, _ in found] == [(40, "2"), (100, "1")]
    assert found[0][2] == pytest.approx(0.5, abs=0.002)


def test_nodata_pixels_are_skipped_even_with_a_fire_class_value(tmp_path: Path) -> None:
    data = np.array([[9, 8], [9, 0]], dtype=np.uint8)
    path = _utm(tmp_path / "nd.tif", data, nodata=9)
    assert read_fire_mask(path, observed_at=WHEN).frame["confidence_raw"].tolist() == ["8"]


def test_geographic_mask_has_pixel_size_from_degrees_at_its_latitude(engine: Engine, tmp_path: Path) -> None:
    data = np.zeros((5, 5), dtype=np.uint8)
    data[2, 2] = 8
    path = _write(tmp_path / "geo.tif", data, crs="EPSG:4326", transform=from_origin(129.5, 62.1, 0.01, 0.01))

    assert _ingest(engine, path).inserted == 1
    lat, lon, scan, track = _rows(engine, "SELECT latitude, longitude, scan, track FROM hotspots")[0]
    assert (float(lat), float(lon)) == pytest.approx((62.075, 129.525), abs=1e-9)
    assert scan == pytest.approx(0.01 * 111.32 * math.cos(math.radians(62.075)), rel=0.01)
    assert track == pytest.approx(0.01 * 111.4, rel=0.01)


def test_mask_without_fire_pixels_reads_zero_rows(engine: Engine, tmp_path: Path) -> None:
    path = _utm(tmp_path / "calm.tif", np.full((3, 3), 5, np.uint8))
    summary = _ingest(engine, path)
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (0, 0, 0, 0)
    assert _rows(engine, "SELECT count(*) FROM events") == [(0,)]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"TIFFTAG_DATETIME": "2021:07:01 04:15:00"}, WHEN),  # TIFF's own format, no zone: UTC
        (
            {TIFF_TIME: "2021:07:01 04:15:00", "ACQUISITION_DATETIME": "2021-07-01T05:20+01:00"},
            WHEN.replace(minute=20),
        ),
    ],
)
def test_time_from_tags(engine: Engine, tmp_path: Path, tags: dict[str, str], expected: datetime) -> None:
    path = _utm_mask(tmp_path / "tagged.tif", tags=tags)
    with transaction(engine) as session:
        assert ingest_fire_mask(path, session=session).inserted == 3
    assert {row[0] for row in _rows(engine, "SELECT observed_at FROM hotspots")} == {expected}


def test_unusable_files_raise_and_write_nothing(engine: Engine, tmp_path: Path) -> None:
    (text := tmp_path / "notes.tif").write_text("latitude,longitude\n62.0,129.7\n")
    nine = np.full((2, 2), 9, np.uint8)
    no_crs = _write(tmp_path / "nocrs.tif", nine, crs=None, transform=from_origin(0, 2, 1, 1))
    cases: list[tuple[Path, dict[str, Any], str]] = [
        (text, {}, "not a raster"),
        (tmp_path / "missing.tif", {}, "not a raster"),
        (no_crs, {}, "no CRS"),
        (_utm_mask(tmp_path / "mask.tif"), {"band": 2}, "band 2 does not exist"),
        (tmp_path / "mask.tif", {"observed_at": None}, "no observation time"),
    ]
    for path, options, reason in cases:
        with pytest.raises(UnusableInput, match=reason):
            _ingest(engine, path, **options)
    assert _rows(engine, "SELECT count(*) FROM hotspots") == [(0,)]


def test_bad_class_mappings_are_invalid() -> None:
    for text in ("7:15", "7=150", "", "x=1"):
        with pytest.raises(InvalidInput):
            parse_classes(text)
