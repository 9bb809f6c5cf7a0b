"""Stations and observations CSVs as replay steps.

A stations file is one untimed step (replayed before everything else). An observations
file is one step per slot of time; each step stores its readings and fires the sensor
anomaly rules on them in the same transaction, as the MQTT feed does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from sqlalchemy.orm import Session

from geoops.detect.sensor_rules import SensorRules
from geoops.domain import IngestSummary
from geoops.ingest.sensor_formats import Row
from geoops.ingest.sensors import OBSERVATION_COLUMNS, STATION_COLUMNS, ingest_stations, read_csv
from geoops.replay.files import SourceKind
from geoops.replay.steps import ReplayOptions, Step
from geoops.replay.timing import group_by_time
from geoops.sensor_workers import ingest_and_check


def station_steps(name: str, data: bytes, options: ReplayOptions) -> list[Step]:
    rows, lines = read_csv(data, STATION_COLUMNS)
    return [Step(SourceKind.STATIONS, None, name, partial(_feed_stations, rows, lines))]


def observation_steps(name: str, data: bytes, options: ReplayOptions) -> list[Step]:
    """Errors carry the file's line numbers. A row whose time cannot be read goes with the
    first step, where the ingest names it."""
    rows, lines = read_csv(data, OBSERVATION_COLUMNS)
    times = [_observed_at(row.get("observed_at")) for row in rows]
    steps = []
    for when, members in group_by_time(list(zip(rows, lines, strict=True)), times, options.slot):
        readings, numbers = [r for r, _ in members], [n for _, n in members]
        feed = partial(_feed, readings, numbers, options.sensor_rules, name)
        steps.append(Step(SourceKind.OBSERVATIONS, when, name, feed))
    return steps


def _feed_stations(rows: Sequence[Row], lines: Sequence[int], session: Session) -> IngestSummary:
    return ingest_stations(rows, lines=lines, session=session)


def _feed(
    rows: Sequence[Row], lines: Sequence[int], rules: SensorRules, source: str, session: Session
) -> IngestSummary:
    return ingest_and_check(rows, lines, rules, source=source, session=session)


def _observed_at(value: str | None) -> datetime | None:
    """The time as the ingest reads it (ISO 8601, UTC when no zone is given)."""
    try:
        when = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
