"""Sensor anomaly rules → ``sensor_alarms`` evidence, and stale-station flags.

Rules are set per property and unit: a **threshold** (PM2.5 above 150 µg/m³), a **rate**
of rise (PM2.5 up by more than 100 µg/m³ within 30 minutes) and a **baseline** jump
(temperature more than 10 °C above the station's own median of the previous 6 hours).
They run as one SQL statement over the observations a batch has just stored
(``observations_batch``, left by geoops.store), so a reading stored again fires nothing
twice. Each new alarm is also a ``sensor.alarm`` event with its place (``longitude``,
``latitude``), which scopes it on the event stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import EventKind
from geoops.store.events import append_events
from geoops.store.sqlfiles import load_sql

R = TypeVar("R")


@dataclass(frozen=True)
class Threshold:
    property: str
    unit: str
    above: float


@dataclass(frozen=True)
class Rate:
    property: str
    unit: str
    rise: float
    minutes: float


@dataclass(frozen=True)
class Baseline:
    property: str
    unit: str
    jump: float
    hours: float
    min_readings: int = 3  # fewer readings in the window are no baseline


@dataclass(frozen=True)
class SensorRules:
    thresholds: tuple[Threshold, ...] = (Threshold("pm25", "ug/m3", 150.0),)
    rates: tuple[Rate, ...] = (Rate("pm25", "ug/m3", 100.0, 30.0),)
    baselines: tuple[Baseline, ...] = (Baseline("temperature", "degC", 10.0, 6.0),)

    def __post_init__(self) -> None:
        for kind in (self.thresholds, self.rates, self.baselines):
            keys = [(rule.property, rule.unit) for rule in kind]
            if len(set(keys)) != len(keys):
                raise ValueError("one rule of each kind per property and unit")
            for rule in kind:
                limits = {k: v for k, v in asdict(rule).items() if k not in ("property", "unit")}
                if not all(v > 0 for v in limits.values()):
                    raise ValueError(f"every limit of {rule} must be positive")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SensorRules:
        """Rules from JSON-like config, e.g. ``{"thresholds": [{"property": "pm10",
        "unit": "ug/m3", "above": 300}]}``; each kind given replaces that kind's defaults."""
        unknown = set(config) - {"thresholds", "rates", "baselines"}
        if unknown:
            raise ValueError(f"unknown sensor rule kinds: {', '.join(sorted(unknown))}")
        defaults = cls()
        try:
            return cls(
                thresholds=_build(Threshold, config.get("thresholds"), defaults.thresholds),
                rates=_build(Rate, config.get("rates"), defaults.rates),
                baselines=_build(Baseline, config.get("baselines"), defaults.baselines),
            )
        except TypeError as exc:  # a missing, unknown or non-numeric field
            raise ValueError(f"sensor rules: {exc}") from None


@dataclass(frozen=True)
class Alarm:
    id: int
    station_id: str
    property: str
    rule: str
    observed_at: str
    value: float
    strength: float
    longitude: float
    latitude: float


def check_stored_batch(rules: SensorRules, *, session: Session) -> list[Alarm]:
    """Fire ``rules`` on the observations stored last in this transaction; store each new
    alarm (with the station's position) and append one ``sensor.alarm`` event for it."""
    exists = session.execute(sa.text("SELECT to_regclass('pg_temp.observations_batch') IS NOT NULL"))
    if not exists.scalar_one():
        return []
    params = {
        name: json.dumps([asdict(rule) for rule in getattr(rules, name)])
        for name in ("thresholds", "rates", "baselines")
    }
    rows = session.execute(sa.text(load_sql("geoops.detect", "sensor_alarms")), params).mappings()
    alarms = [Alarm(**{**r, "observed_at": r["observed_at"].isoformat()}) for r in rows]
    append_events([(EventKind.SENSOR_ALARM.value, _payload(a)) for a in alarms], session=session)
    return alarms


def mark_stale_stations(after: timedelta, *, session: Session) -> list[str]:
    """Flag active stations with no reading for ``after`` as stale (one ``station.stale``
    event each); returns their ids. New data makes a station active again."""
    rows = session.execute(sa.text(load_sql("geoops.detect", "stale_stations")), {"after": after}).all()
    seen = [{"station_id": r.id, "last_seen_at": r.last_seen_at and r.last_seen_at.isoformat()} for r in rows]
    append_events([(EventKind.STATION_STALE.value, payload) for payload in seen], session=session)
    return [str(r.id) for r in rows]


def _build(kind: type[R], items: Any, default: tuple[R, ...]) -> tuple[R, ...]:
    return default if items is None else tuple(kind(**item) for item in items)


def _payload(alarm: Alarm) -> dict[str, Any]:
    payload = {f.name: getattr(alarm, f.name) for f in fields(alarm)}
    payload["alarm_id"] = payload.pop("id")
    return payload
