"""Sensor ingest: stations and observations (CSV or JSON rows) into PostGIS, with a summary.

Each row is checked here (cheap, per row) and stored in bulk by ``geoops.store``. A reading
of a station that is not registered is **rejected** ("unknown station"), not registered on
the fly: an auto-registered station would have no position, so it could neither be scoped
to a jurisdiction nor give an alarm a place. Register stations first (CSV or API).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from geoops.domain import EventKind, IngestSummary, RowError
from geoops.errors import UnusableInput
from geoops.ingest.sensor_units import normalise
from geoops.store.events import append_events, notify_ingest
from geoops.store.observations import ObservationRow, store_observations
from geoops.store.scope import Scope
from geoops.store.stations import StationRow, stations_outside, upsert_stations

Row = Mapping[str, Any]
STATION_COLUMNS = ("station_id", "lon", "lat")
OBSERVATION_COLUMNS = ("station_id", "observed_at", "property", "value", "unit")
MAX_FUTURE = timedelta(days=1)  # clocks drift; a reading from further ahead is an error
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_ERRORS = 1000  # errors listed in a summary; `rejected` counts them all
# A station id is one MQTT topic level: no '/', '+' or '#', no spaces.
STATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
PROPERTY = re.compile(r"[a-z][a-z0-9_]{0,31}")
ALIASES = {"pm2.5": "pm25", "pm2_5": "pm25", "pm_25": "pm25", "pm_10": "pm10", "temp": "temperature",
           "rh": "humidity", "relative_humidity": "humidity"}  # fmt: skip


class Invalid(ValueError):
    """One row's problem, worded for the person who sent it."""


@dataclass
class StationSummary(IngestSummary):
    updated: int = 0  # stations that were moved, renamed or re-kinded


def read_csv(data: bytes, required: Sequence[str]) -> tuple[list[dict[str, str]], list[int]]:
    """Rows of a CSV with a header (names matched case-insensitively) and their line numbers;
    UnusableInput when it is not text or lacks a required column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInput("not a UTF-8 text CSV") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = [name.strip().lower() for name in header or []]
    missing = [name for name in required if name not in names]
    if missing:
        raise UnusableInput(f"not a CSV with columns {', '.join(required)}: missing {', '.join(missing)}")
    rows, lines = [], []
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append(dict(zip(names, record, strict=False)))
            lines.append(reader.line_num)
    return rows, lines


def ingest_stations(
    rows: Sequence[Row], *, session: Session, lines: Sequence[int] | None = None, scope: Scope = None
) -> StationSummary:
    """Register new stations and update changed ones; re-sending the same stations changes
    nothing. With a ``scope``, only stations inside it may be written."""
    numbers = list(lines or range(1, len(rows) + 1))
    valid: dict[str, StationRow] = {}
    errors: list[RowError] = []
    for raw, line in zip(rows, numbers, strict=True):
        try:
            station = station_row(raw, line)
        except Invalid as exc:
            errors.append(RowError(line, str(exc)))
            continue
        first = valid.setdefault(station.id, station)
        if first is not station and (first.lon, first.lat, first.name, first.kind) != (
            station.lon, station.lat, station.name, station.kind
        ):  # fmt: skip
            errors.append(RowError(line, f"station '{station.id}' differs from line {first.line}"))
    outside = set(stations_outside(list(valid.values()), scope, session=session))
    errors += [RowError(n, "outside your jurisdictions") for n in sorted(outside)]
    counts = upsert_stations([s for s in valid.values() if s.line not in outside], session=session)
    return StationSummary(
        read=len(rows), inserted=counts.inserted, updated=counts.updated,
        duplicates=len(rows) - len(errors) - counts.inserted - counts.updated,
        rejected=len(errors), errors=sorted(errors, key=lambda e: e.line)[:MAX_ERRORS],
    )  # fmt: skip


def ingest_observations(
    rows: Sequence[Row],
    *,
    session: Session,
    lines: Sequence[int] | None = None,
    source: str = "http",
    prior_errors: Sequence[RowError] = (),
    scope: Scope = None,
) -> IngestSummary:
    """Check and store readings; the same (station, property, time) twice is one reading.
    ``prior_errors`` are rows a format adapter already refused (they count as read); with
    a ``scope``, a station outside it is unknown. The new rows stay in
    ``observations_batch`` for the anomaly rules (geoops.detect)."""
    now = datetime.now(UTC)
    numbers = list(lines or range(1, len(rows) + 1))
    valid: list[ObservationRow] = []
    errors = list(prior_errors)
    for raw, line in zip(rows, numbers, strict=True):
        try:
            valid.append(observation_row(raw, line, now))
        except Invalid as exc:
            errors.append(RowError(line, str(exc)))
    stored = store_observations(valid, session=session, scope=scope)
    by_line = {r.line: r.station_id for r in valid}
    errors += [RowError(n, f"unknown station '{by_line[n]}'") for n in stored.unknown_station_lines]
    append_events([(EventKind.STATION_ACTIVE, {"station_id": s}) for s in stored.revived], session=session)
    if stored.inserted:
        notify_ingest(source, session=session)
    read = len(rows) + len(prior_errors)
    return IngestSummary(
        read=read, inserted=stored.inserted, duplicates=read - len(errors) - stored.inserted,
        rejected=len(errors), errors=sorted(errors, key=lambda e: e.line)[:MAX_ERRORS],
    )  # fmt: skip


def station_row(raw: Row, line: int) -> StationRow:
    if not isinstance(raw, Mapping):
        raise Invalid("not a JSON object")
    station_id = _text(raw, "station_id", 64) or _text(raw, "id", 64)
    if not station_id:
        raise Invalid("station_id is missing")
    if not STATION_ID.fullmatch(station_id):
        raise Invalid(f"station_id '{station_id}' may hold only letters, digits and . _ : -")
    lon, lat = _number(raw, "lon"), _number(raw, "lat")
    if not -180 <= lon <= 180:
        raise Invalid(f"lon {lon:g} is outside -180..180")
    if not -90 <= lat <= 90:
        raise Invalid(f"lat {lat:g} is outside -90..90")
    return StationRow(line, station_id, lon, lat, _text(raw, "name", 200), _text(raw, "kind", 32))


def observation_row(raw: Row, line: int, now: datetime) -> ObservationRow:
    if not isinstance(raw, Mapping):
        raise Invalid("not a JSON object")
    station_id = _text(raw, "station_id", 64)
    if not station_id:
        raise Invalid("station_id is missing")
    observed_at = _time(raw.get("observed_at"), now)
    name = (_text(raw, "property", 64) or "").lower()
    prop = ALIASES.get(name, name)
    if not PROPERTY.fullmatch(prop):
        raise Invalid(f"property '{name}' is not a name (a-z, digits, _)" if name else "property is missing")
    unit, value = normalise(_text(raw, "unit", 32) or "", _number(raw, "value"))
    if len(unit) > 16:
        raise Invalid(f"unit '{unit}' is longer than 16 characters")
    return ObservationRow(line, station_id, prop, observed_at, value, unit)


def _text(raw: Row, key: str, max_length: int) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, str | int) else None
    if text is None:
        raise Invalid(f"{key} must be text")
    if len(text) > max_length:
        raise Invalid(f"{key} is longer than {max_length} characters")
    return text or None


def _number(raw: Row, key: str) -> float:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(f"{key} is missing")
    try:
        number = (
            float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
        )
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise Invalid(f"{key} {str(value)[:40]!r} is not a number")
    return number


def _time(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("observed_at is missing (an ISO 8601 time)")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"observed_at {value[:40]!r} is not an ISO 8601 time") from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # no zone given: UTC
    if when > now + MAX_FUTURE:
        raise Invalid(f"observed_at {value.strip()} is more than {MAX_FUTURE.days} day in the future")
    if when < EARLIEST:
        raise Invalid(f"observed_at {value.strip()} is before {EARLIEST:%Y-%m-%d}")
    return when
