"""Sensor anomaly rules and stale stations on a real PostGIS: threshold, rate of rise,
baseline jump, idempotency, configuration, and the stale flag."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.detect.sensor_rules import Alarm, SensorRules, check_stored_batch, mark_stale_stations
from geoops.errors import ConfigurationError
from geoops.ingest.sensors import ingest_observations, ingest_stations
from geoops.sensor_workers import sensor_workers
from geoops.settings import Settings
from geoops.store.engine import transaction

T0 = datetime(2024, 7, 14, 6, 0, tzinfo=UTC)
YAKUTSK = (129.7331, 62.0355)


@pytest.fixture(autouse=True)
def station(engine: Engine) -> None:
    with transaction(engine) as session:
        ingest_stations([{"station_id": "yak-01", "lon": YAKUTSK[0], "lat": YAKUTSK[1]}], session=session)


def reading(minutes: float, value: float, prop: str = "pm25", unit: str = "ug/m3") -> dict[str, Any]:
    when = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"station_id": "yak-01", "observed_at": when, "property": prop, "value": value, "unit": unit}


def store(engine: Engine, *rows: dict[str, Any], rules: SensorRules | None = None) -> list[Alarm]:
    with transaction(engine) as session:
        assert ingest_observations(rows, session=session).rejected == 0
        return check_stored_batch(rules or SensorRules(), session=session)


def query(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)).all())


def test_pm25_threshold_makes_an_alarm_at_the_station_with_an_event(engine: Engine) -> None:
    alarms = store(engine, reading(0, 40), reading(10, 200), reading(20, 312.5))
    assert [(a.rule, a.value, round(a.strength, 3)) for a in alarms if a.rule == "threshold"] == [
        ("threshold", 200.0, 0.667),  # 0.5 at the limit (150), 1 at twice the limit
        ("threshold", 312.5, 1.0),
    ]
    rows = query(
        engine, "SELECT rule, ST_X(geom), ST_Y(geom), detail FROM sensor_alarms WHERE rule = 'threshold'"
    )
    assert all((x, y) == YAKUTSK for _, x, y, _ in rows)
    assert rows[0].detail == {"limit": 150.0, "unit": "ug/m3"}
    events = query(engine, "SELECT payload FROM events WHERE kind = 'sensor.alarm' ORDER BY id")
    assert len(events) == len(alarms)
    first = events[0].payload
    assert (
        first["station_id"] == "yak-01"
        and first["alarm_id"] == alarms[0].id
        and first["latitude"] == YAKUTSK[1]
    )


def test_rate_of_rise_within_the_window(engine: Engine) -> None:
    alarms = store(engine, reading(0, 20), reading(20, 130), reading(45, 135), reading(90, 140))
    assert [(a.rule, a.observed_at) for a in alarms] == [("rate", (T0 + timedelta(minutes=20)).isoformat())]
    (detail,) = query(engine, "SELECT detail FROM sensor_alarms")
    assert detail[0] == {"rise": 110.0, "limit": 100.0, "minutes": 30.0, "from": 20.0, "unit": "ug/m3"}


def test_temperature_jump_over_the_stations_own_baseline(engine: Engine) -> None:
    def temperature(minutes: float, value: float) -> dict[str, Any]:
        return reading(minutes, value, "temperature", "°C")

    calm = [temperature(m, v) for m, v in ((0, 11), (60, 12), (120, 10), (180, 13))]
    assert store(engine, *calm) == []
    (alarm,) = store(engine, temperature(240, 26), temperature(1000, 60))  # 60 °C: no readings 6 h before
    assert (alarm.rule, alarm.value, alarm.property) == ("baseline", 26.0, "temperature")
    (detail,) = query(engine, "SELECT detail FROM sensor_alarms")
    assert detail[0]["baseline"] == 11.5 and detail[0]["readings"] == 4


def test_rules_fire_once_per_reading(engine: Engine) -> None:
    rows = [reading(0, 20), reading(10, 400)]
    first = store(engine, *rows)
    assert {a.rule for a in first} == {"threshold", "rate"}
    assert store(engine, *rows) == []  # stored again: nothing new, no alarm, no event
    with transaction(engine) as session:  # the rules run twice on one batch: stored once
        ingest_observations([reading(20, 500)], session=session)
        assert len(check_stored_batch(SensorRules(), session=session)) == 2
        assert check_stored_batch(SensorRules(), session=session) == []
    assert query(engine, "SELECT count(*) FROM sensor_alarms") == [(4,)]
    assert query(engine, "SELECT count(*) FROM events WHERE kind = 'sensor.alarm'") == [(4,)]


def test_rules_are_configurable_per_property_and_unit(engine: Engine) -> None:
    rules = SensorRules.from_config({"thresholds": [{"property": "pm10", "unit": "ug/m3", "above": 300}]})
    alarms = store(
        engine, reading(0, 400, "pm10"), reading(0, 200), reading(0, 500, "pm25", "ppm"), rules=rules
    )
    assert [(a.property, a.rule) for a in alarms] == [("pm10", "threshold")]
    with pytest.raises(ValueError, match="positive"):
        SensorRules.from_config({"rates": [{"property": "pm25", "unit": "ug/m3", "rise": 0, "minutes": 30}]})
    with pytest.raises(ValueError, match="unknown sensor rule kinds"):
        SensorRules.from_config({"limits": []})
    with pytest.raises(ValueError, match="unit"):
        SensorRules.from_config({"thresholds": [{"property": "pm25", "above": 1}]})


def test_silent_stations_become_stale_and_new_data_revives_them(engine: Engine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction(engine) as session:
        ingest_stations([{"station_id": "yak-02", "lon": 129.6, "lat": 62.1}], session=session)
        ingest_observations(
            [{**reading(0, 5), "observed_at": (now - timedelta(hours=2)).isoformat()}], session=session
        )
    with transaction(engine) as session:
        assert mark_stale_stations(timedelta(hours=1), session=session) == ["yak-01"]
        assert mark_stale_stations(timedelta(hours=1), session=session) == []  # flagged once
    stale = query(engine, "SELECT payload FROM events WHERE kind = 'station.stale'")
    assert [p["station_id"] for (p,) in stale] == ["yak-01"]
    store(engine, {**reading(0, 5), "observed_at": now.isoformat()})
    assert query(engine, "SELECT id, status FROM stations ORDER BY id") == [
        ("yak-01", "active"),
        ("yak-02", "active"),
    ]


def test_the_stale_checker_worker_flags_silent_stations(engine: Engine, settings: Settings) -> None:
    quick = settings.model_copy(update={"station_stale_minutes": 0.01})  # 0.6 s of silence
    app = create_app(quick, workers=sensor_workers(quick))
    with TestClient(app):
        deadline = time.monotonic() + 10
        while query(engine, "SELECT status FROM stations") != [("stale",)]:
            assert time.monotonic() < deadline, "the station was not flagged stale"
            time.sleep(0.05)


def test_bad_rules_in_the_settings_stop_the_server_at_startup(settings: Settings) -> None:
    bad = settings.model_copy(update={"sensor_rules": {"thresholds": [{"property": "pm25", "above": 150}]}})
    with pytest.raises(ConfigurationError, match="GEOOPS_SENSOR_RULES"):
        sensor_workers(bad)
