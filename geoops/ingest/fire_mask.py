"""Fire-mask rasters (MODIS MOD14-style classes) into hotspots at pixel centres, any CRS.

Centres and edge mid-points are reprojected to EPSG:4326 and pixel sizes measured on the
ellipsoid: scan/track are ground km for grids in metres, feet or degrees, any projection.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack

import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS, Geod, Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.windows import Window
from sqlalchemy.orm import Session

from geoops.domain import EventKind, IngestSummary, RowError
from geoops.errors import InvalidInput, UnusableInput
from geoops.store.events import append_event, notify_ingest
from geoops.store.hotspots import STAGE_COLUMNS, insert_hotspots

MOD14_CLASSES: Mapping[int, int] = {7: 15, 8: 55, 9: 90}  # low, nominal, high confidence
TIME_TAG = "TIFFTAG_DATETIME"  # TIFF's "YYYY:MM:DD HH:MM:SS", read as UTC
STRIP_PIXELS = 1 << 22  # pixels read at once, so memory stays bounded on any raster
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]


class MaskOptions(TypedDict, total=False):
    band: int
    classes: Mapping[int, int]
    observed_at: datetime | None
    satellite: str
    instrument: str
    source: str | None


@dataclass
class FireMaskRows:
    """Rows ready for the store (columns of ``geoops.store.hotspots.STAGE_COLUMNS``)."""

    frame: pd.DataFrame
    read: int
    errors: list[RowError] = field(default_factory=list)


def ingest_fire_mask(path: Path | str, *, session: Session, **options: Unpack[MaskOptions]) -> IngestSummary:
    """Read and store one fire mask; unusable input raises before any write."""
    rows = read_fire_mask(path, **options)
    inserted = insert_hotspots(rows.frame, session=session)
    if inserted:
        source = str(rows.frame["source"].iat[0])
        append_event(EventKind.HOTSPOTS_INGESTED, {"source": source, "inserted": inserted}, session=session)
        notify_ingest(source, session=session)
    return IngestSummary(rows.read, inserted, len(rows.frame) - inserted, len(rows.errors), rows.errors)


def read_fire_mask(
    path: Path | str,
    *,
    band: int = 1,
    classes: Mapping[int, int] = MOD14_CLASSES,
    observed_at: datetime | None = None,
    satellite: str = "unknown",
    instrument: str = "RASTER",
    source: str | None = None,
) -> FireMaskRows:
    """One row per pixel of a fire class; ``errors`` holds pixels that do not reproject."""
    _check_options(classes, satellite, instrument)
    path = Path(path)
    with _open(path, band) as src:
        when = _utc(observed_at) if observed_at else _tagged_time(src, band, path.name)
        rows, cols, values = _fire_pixels(src, band, classes)
        lon, lat, scan, track = _locate(CRS.from_user_input(src.crs.to_wkt()), src.transform, rows, cols)
    ok = np.isfinite(lon) & (np.abs(lat) <= 90) & (scan > 0) & (track > 0)
    bad = zip(rows[~ok], cols[~ok], strict=True)  # RowError.line is the 1-based raster row
    errors = [
        RowError(int(r) + 1, f"pixel row {r}, column {c} is outside its CRS' valid area") for r, c in bad
    ]
    keys = np.array(sorted(classes), dtype=np.float64)
    confidence = np.array([classes[int(k)] for k in keys], dtype=np.int16)
    columns = {
        "source": source or path.name,
        "satellite": satellite,
        "instrument": instrument,
        "observed_at": pd.Timestamp(when),
        "latitude": lat[ok],
        "longitude": lon[ok],
        "confidence": confidence[np.searchsorted(keys, values[ok])],
        "confidence_raw": values[ok].astype(np.int64).astype(str),
        "scan": scan[ok],
        "track": track[ok],
    }  # the other STAGE_COLUMNS (frp, brightness, daynight, ...) stay empty: NULL
    frame = pd.DataFrame(columns, columns=list(STAGE_COLUMNS))
    return FireMaskRows(frame, read=len(rows), errors=errors)


def _open(path: Path, band: int) -> Any:
    """The open dataset, checked: a raster GDAL reads, with that band and a CRS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        try:
            src = rasterio.open(path)
        except RasterioError as exc:
            raise UnusableInput(f"{path.name}: not a raster GDAL can open ({exc})") from exc
    if 1 <= band <= src.count and src.crs is not None:
        return src
    src.close()
    if src.crs is None:
        raise UnusableInput(f"{path.name}: the raster has no CRS, so its pixels cannot be placed")
    raise UnusableInput(f"{path.name}: band {band} does not exist (the raster has {src.count})")


def parse_classes(text: str) -> dict[int, int]:
    """``"7=15,8=55,9=90"`` (fire class = confidence 0-100) as a mapping."""
    try:
        pairs = (item.split("=") for item in text.split(",") if item.strip())
        classes = {int(key): int(value) for key, value in pairs}
    except ValueError as exc:
        raise InvalidInput(f"classes {text!r}: expected CLASS=CONFIDENCE pairs like 7=15,8=55,9=90") from exc
    _check_options(classes, "", "")
    return classes


def parse_observed_at(text: str) -> datetime:
    """An ISO 8601 (or TIFF ``YYYY:MM:DD HH:MM:SS``) date and time; no zone means UTC."""
    found = _parse_time(text)
    if found is None:
        raise InvalidInput(f"observed time {text!r}: expected an ISO 8601 date and time")
    return found


def _check_options(classes: Mapping[int, int], satellite: str, instrument: str) -> None:
    if not classes or any(not 0 <= confidence <= 100 for confidence in classes.values()):
        raise InvalidInput(f"fire classes need a confidence 0-100 each, got {dict(classes)}")
    if len(satellite) > 32 or len(instrument) > 16:
        raise InvalidInput("satellite is at most 32 characters and instrument at most 16")


def _tagged_time(src: Any, band: int, name: str) -> datetime:
    """An ACQUISITION* date-time tag, else TIFFTAG_DATETIME; the time is in the natural key."""
    tags = {key.upper(): value for key, value in {**src.tags(), **src.tags(band)}.items()}
    for key in [*sorted(k for k in tags if "ACQUISITION" in k), TIME_TAG]:
        found = _parse_time(tags[key]) if key in tags else None
        if found is not None:
            return found
    raise UnusableInput(f"{name}: no observation time ({TIME_TAG} or ACQUISITION* tag); give it")


def _parse_time(text: str) -> datetime | None:
    text = re.sub(r"^(\d{4}):(\d\d):(\d\d)", r"\1-\2-\3", text.strip())
    with suppress(ValueError):
        return _utc(datetime.fromisoformat(text)) if len(text) > 10 else None  # a date is not enough
    return None


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC, like FIRMS times and TIFF tags."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _fire_pixels(src: Any, band: int, classes: Mapping[int, int]) -> tuple[IntArray, IntArray, FloatArray]:
    """Rows, columns and class values of fire pixels, read strip by strip, nodata skipped."""
    keys = np.array(sorted(classes))
    block_rows = int(src.block_shapes[band - 1][0])
    step = max(block_rows, STRIP_PIXELS // max(src.width, 1) // block_rows * block_rows)
    found = [(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.float64))]
    for top in range(0, src.height, step):
        data = src.read(band, window=Window(0, top, src.width, min(step, src.height - top)), masked=True)
        r, c = np.nonzero(np.isin(data.data, keys) & ~np.ma.getmaskarray(data))
        found.append((r + top, c, data.data[r, c].astype(np.float64)))
    rows, cols, values = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return rows, cols, values


def _locate(crs: CRS, transform: Any, rows: IntArray, cols: IntArray) -> tuple[FloatArray, ...]:
    """Centre lon/lat and ground size in km (across x = scan, along y = track) of pixels."""
    # centre, then the mid-points of the left, right, top and bottom edges
    dc = np.array([0.5, 0.0, 1.0, 0.5, 0.5])[:, None]
    dr = np.array([0.5, 0.5, 0.5, 0.0, 1.0])[:, None]
    c, r = cols[None, :] + dc, rows[None, :] + dr
    x = transform.a * c + transform.b * r + transform.c
    y = transform.d * c + transform.e * r + transform.f
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    geod = Geod(ellps="WGS84")
    with np.errstate(invalid="ignore"):  # off-globe pixels are inf/nan, rejected by the caller
        scan = np.asarray(geod.inv(lon[1], lat[1], lon[2], lat[2])[2]) / 1000.0
        track = np.asarray(geod.inv(lon[3], lat[3], lon[4], lat[4])[2]) / 1000.0
        centre_lon = (np.asarray(lon[0]) + 180.0) % 360.0 - 180.0  # 0-360 grids to -180..180
    return centre_lon, np.asarray(lat[0]), scan, track
