"""Read a NASA FIRMS active-fire CSV (any header variant) into normalised, validated rows.

Columns are matched by name, never by position:
- VIIRS NRT: ``bright_ti4``/``bright_ti5``, confidence ``l/n/h`` or ``low/nominal/high``;
- MODIS: ``brightness``/``bright_t31``, confidence 0-100;
- archive / standard processing: VIIRS values under the MODIS names plus ``instrument``
  and ``type``;
- area API: ``acq_time`` as an unpadded integer (``41`` = 00:41 UTC).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoops.domain import RowError
from geoops.errors import UnusableInput

REQUIRED = ("latitude", "longitude", "acq_date", "acq_time", "satellite")
# Class letters mapped to the middle of MODIS' confidence classes (0-29, 30-79, 80-100).
CONFIDENCE_CLASSES = {"l": 15, "low": 15, "n": 55, "nominal": 55, "h": 90, "high": 90}
NOMINAL_PIXEL_KM = {"VIIRS": 0.375, "MODIS": 1.0}

FIRE_TYPES = (0, 1, 2, 3)  # vegetation, volcano, other static land source, offshore
MAX_TEXT = {"satellite": 32, "instrument": 16, "version": 16, "confidence_raw": 16}

Reject = Callable[[pd.Series, str], None]


@dataclass
class FirmsRows:
    """Rows ready for the store (columns of ``geoops.store.hotspots.STAGE_COLUMNS``)."""

    frame: pd.DataFrame
    read: int
    errors: list[RowError] = field(default_factory=list)


def read_firms_csv(data: bytes, *, source: str) -> FirmsRows:
    """Parse and validate; a bad row becomes a RowError, an unusable file raises."""
    header, rows, lines, misshapen = _split_rows(_decode(data))
    raw = pd.DataFrame(rows, columns=header, dtype=object)
    frame, bad = _normalise(raw, header, source)
    errors = misshapen + [RowError(lines[i], reason) for i, reason in bad.items()]
    errors.sort(key=lambda e: e.line)
    good = frame.drop(index=list(bad)).reset_index(drop=True)
    return FirmsRows(good, read=len(rows) + len(misshapen), errors=errors)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise UnusableInput("empty file: no FIRMS header")
    if data[:2] == b"\x1f\x8b":
        raise UnusableInput("gzip-compressed data: decompress it first")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInput(f"not UTF-8 text (byte {exc.start}): not a FIRMS CSV") from exc
    head = text.lstrip()[:200].lower()
    if head.startswith("<") or "<html" in head:
        raise UnusableInput("an HTML page, not a FIRMS CSV (the FIRMS API answers so on a bad key)")
    return text


def _split_rows(text: str) -> tuple[list[str], list[list[str]], list[int], list[RowError]]:
    """Header, well-formed rows with their line numbers, and rows of the wrong width."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnusableInput(f"not a FIRMS CSV: missing column(s) {', '.join(missing)}")
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        raise UnusableInput(f"column(s) named twice in the header: {', '.join(doubled)}")
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    try:
        for row in reader:
            _take_row(row, reader.line_num, width, rows, lines, errors)
    except csv.Error as exc:  # e.g. an unbalanced quote swallowing the rest of the file
        raise UnusableInput(f"malformed CSV near line {reader.line_num}: {exc}") from exc
    return header, rows, lines, errors


def _take_row(
    row: list[str], line: int, width: int, rows: list[list[str]], lines: list[int], errors: list[RowError]
) -> None:
    if not row:
        return
    if len(row) != width:
        errors.append(RowError(line, f"expected {width} fields, found {len(row)}"))
    elif any("\x00" in cell for cell in row):
        errors.append(RowError(line, "contains a NUL byte"))
    else:
        rows.append(row)
        lines.append(line)


def _normalise(raw: pd.DataFrame, header: list[str], source: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """Vectorised conversion; returns the frame and {row index: first reason it is bad}."""
    bad: dict[int, str] = {}

    def reject(mask: pd.Series, reason: str) -> None:
        for i in np.flatnonzero(mask.to_numpy(dtype=bool)):
            bad.setdefault(int(i), reason)

    def number(name: str, required: bool = False) -> pd.Series:
        """Numbers; an empty optional cell is missing, anything else unreadable is bad."""
        text = _text(raw, name)
        values = pd.to_numeric(text, errors="coerce").astype(float)
        reject(values.isna() & ((text != "") | required), f"{name} is not a number")
        return values

    out = pd.DataFrame(index=raw.index)
    out["source"] = source
    lat, lon = number("latitude", True), number("longitude", True)
    reject(lat.abs() > 90, "latitude outside -90..90")
    reject(lon.abs() > 180, "longitude outside -180..180")
    out["latitude"], out["longitude"] = lat, lon
    out["observed_at"] = _observed_at(raw, reject)
    out["satellite"] = raw["satellite"].astype(str).str.strip()
    reject(out["satellite"] == "", "satellite is empty")
    out["instrument"] = _instrument(raw, header)
    out["confidence"], out["confidence_raw"] = _confidence(raw, reject)
    out["frp"] = number("frp")
    out["brightness"] = number("bright_ti4" if "bright_ti4" in header else "brightness")
    out["brightness_2"] = number("bright_ti5" if "bright_ti5" in header else "bright_t31")
    nominal = out["instrument"].map(NOMINAL_PIXEL_KM).fillna(1.0)
    out["scan"] = number("scan").fillna(nominal)
    out["track"] = number("track").fillna(nominal)
    out["daynight"] = _text(raw, "daynight").str.upper().str[:1]
    for name in ("scan", "track"):
        reject(out[name] <= 0, f"{name} must be a positive pixel size in km")
    fire_type = number("type")
    unknown_type = fire_type.notna() & ~fire_type.isin(FIRE_TYPES)
    reject(unknown_type, "type is not one of 0, 1, 2, 3")
    out["fire_type"] = fire_type.where(~unknown_type).astype("Int16")
    out["version"] = _text(raw, "version")
    for name, limit in MAX_TEXT.items():
        if name in out:
            reject(out[name].astype(str).str.len() > limit, f"{name} longer than {limit} characters")
    return out, bad


def _observed_at(raw: pd.DataFrame, reject: Reject) -> pd.Series:
    date = pd.to_datetime(raw["acq_date"].astype(str).str.strip(), format="%Y-%m-%d", errors="coerce")
    hhmm = raw["acq_time"].astype(str).str.strip().str.replace(":", "", regex=False).str.zfill(4)
    clock = pd.to_numeric(hhmm, errors="coerce")
    hours, minutes = clock // 100, clock % 100
    valid_clock = hhmm.str.fullmatch(r"\d{4}") & (hours < 24) & (minutes < 60)
    reject(date.isna(), "acq_date is not a YYYY-MM-DD date")
    reject(~valid_clock, "acq_time is not an HHMM time")
    offset = pd.to_timedelta(hours.where(valid_clock, 0) * 60 + minutes.where(valid_clock, 0), unit="m")
    return (date + offset).dt.tz_localize("UTC")


def _instrument(raw: pd.DataFrame, header: list[str]) -> pd.Series:
    if "instrument" in header:
        return raw["instrument"].astype(str).str.strip().str.upper()
    inferred = "VIIRS" if "bright_ti4" in header else "MODIS"
    return pd.Series(inferred, index=raw.index)


def _confidence(raw: pd.DataFrame, reject: Reject) -> tuple[pd.Series, pd.Series]:
    text = _text(raw, "confidence").str.lower()
    numeric = pd.to_numeric(text, errors="coerce")
    classes = text.map(CONFIDENCE_CLASSES)
    value = numeric.where(numeric.notna(), classes)
    reject((text != "") & value.isna(), "confidence is neither 0-100 nor l/n/h")
    out_of_range = value.notna() & ((value < 0) | (value > 100))
    reject(out_of_range, "confidence outside 0..100")
    reject(text.str.len() > MAX_TEXT["confidence_raw"], "confidence text too long")
    return value.where(~out_of_range).round().astype("Int16"), text.where(text != "", None)


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    if name not in raw:
        return pd.Series("", index=raw.index, dtype=object)
    return raw[name].astype(str).str.strip()
