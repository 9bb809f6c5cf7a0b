"""Sensor ingest against a real PostGIS: stations and observations CSV, units, bad rows,
idempotency, the sensor.community adapter and the MQTT payload parser, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from geoops.errors import UnusableInput
from geoops.ingest.sensor_formats import MalformedPayload, parse_mqtt_payload, rows_from_document
from geoops.ingest.sensor_formats import sensor_community_station as sc_station
from geoops.ingest.sensors import (
    OBSERVATION_COLUMNS,
    STATION_COLUMNS,
    ingest_observations,
    ingest_stations,
    read_csv,
)
from geoops.store.engine import transaction

STATIONS_CSV = b"""station_id,lon,lat,name,kind
yak-01,129.7331,62.0355,Yakutsk centre,pm
yak-02,129.6500,62.1000,,
yak-x,200,62,,
yak-03,129.7,95,,
yak-04,abc,62,,
yak/05,129,62,,
yak-01,129.7331,62.0355,Yakutsk centre,pm
yak-02,10,10,,
"""
# A sensor.community record as their data API serves it (SDS011: P1 = PM10, P2 = PM2.5).
SENSOR_COMMUNITY = {
    "id": 19486738821,
    "sampling_rate": None,
    "timestamp": "2024-07-14 06:42:09",
    "location": {"id": 74851, "latitude": "62.028", "longitude": "129.732", "altitude": "98.0",
                 "country": "RU", "exact_location": 0, "indoor": 0},
    "sensor": {"id": 85012, "pin": "1", "sensor_type": {"id": 14, "name": "SDS011", "manufacturer": "Nova Fitness"}},
    "sensordatavalues": [
        {"id": 43197610573, "value": "212.40", "value_type": "P1"},
        {"id": 43197610574, "value": "187.93", "value_type": "P2"},
        {"id": 43197610575, "value": "1", "value_type": "unknown_type"},
    ],
}  # fmt: skip


def stations(engine: Engine, *rows: tuple[str, float, float]) -> None:
    with transaction(engine) as session:
        items = [{"station_id": s, "lon": lon, "lat": lat} for s, lon, lat in rows]
        assert ingest_stations(items, session=session).rejected == 0


def observations(engine: Engine, data: bytes) -> dict[str, Any]:
    rows, lines = read_csv(data, OBSERVATION_COLUMNS)
    with transaction(engine) as session:
        return ingest_observations(rows, lines=lines, session=session).as_dict()


def query(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def test_stations_csv_inserts_updates_and_names_bad_rows(engine: Engine) -> None:
    rows, lines = read_csv(STATIONS_CSV, STATION_COLUMNS)
    with transaction(engine) as session:
        summary = ingest_stations(rows, lines=lines, session=session).as_dict()
    errors = {e["line"]: e["reason"] for e in summary["errors"]}
    assert (summary["read"], summary["inserted"], summary["duplicates"], summary["rejected"]) == (8, 2, 1, 5)
    assert "lon 200 is outside -180..180" in errors[4] and "lat 95 is outside -90..90" in errors[5]
    assert "lon 'abc' is not a number" in errors[6] and "may hold only" in errors[7]
    assert errors[9] == "station 'yak-02' differs from line 3"
    assert query(engine, "SELECT id, name, kind, ST_X(geom), ST_Y(geom) FROM stations ORDER BY id") == [
        ("yak-01", "Yakutsk centre", "pm", 129.7331, 62.0355),
        ("yak-02", None, None, 129.65, 62.1),
    ]
    with transaction(engine) as session:  # the same again: nothing new; a moved station: updated
        again = ingest_stations(rows[:2], session=session)
        moved = ingest_stations([{"station_id": "yak-02", "lon": 130, "lat": 62.1}], session=session)
    assert (again.inserted, again.updated, again.duplicates) == (0, 0, 2)
    assert (moved.inserted, moved.updated) == (0, 1)


def test_observations_units_properties_and_idempotency(engine: Engine) -> None:
    stations(engine, ("yak-01", 129.73, 62.03))
    data = b"""station_id,observed_at,property,value,unit
yak-01,2024-07-14T06:40:00Z,PM2.5,187.9,\xc2\xb5g/m\xc2\xb3
yak-01,2024-07-14T06:40:00+00:00,Temperature,86,\xc2\xb0F
yak-01,2024-07-14T06:40:00Z,temp,300.15,K
yak-01,2024-07-14T06:40:00Z,co,12,ppm
yak-01,2024-07-14T06:40:00Z,pm10,0.25,mg/m3
yak-01,2024-07-14 06:40:00,humidity,40,%
yak-01,2024-07-14T06:40:00Z,pm25,999,ug/m3
"""
    summary = observations(engine, data)
    # temperature twice (86 degF and 300.15 K at one time) and pm25 twice: the first of each wins
    assert (summary["read"], summary["inserted"], summary["duplicates"], summary["rejected"]) == (7, 5, 2, 0)
    stored = query(engine, "SELECT property, value, unit FROM observations ORDER BY property")
    assert [(p, round(v, 3), u) for p, v, u in stored] == [
        ("co", 12.0, "ppm"),
        ("humidity", 40.0, "%"),
        ("pm10", 250.0, "ug/m3"),
        ("pm25", 187.9, "ug/m3"),
        ("temperature", 30.0, "degC"),
    ]
    again = observations(engine, data)
    assert (again["inserted"], again["duplicates"]) == (0, 7)
    (seen,) = query(engine, "SELECT last_seen_at FROM stations WHERE id = 'yak-01'")
    assert seen[0] == datetime(2024, 7, 14, 6, 40, tzinfo=UTC)


def test_bad_observations_are_rejected_with_reasons_and_the_rest_stored(engine: Engine) -> None:
    stations(engine, ("yak-01", 129.73, 62.03))
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    data = f"""station_id,observed_at,property,value,unit
yak-01,2024-07-14T06:40:00Z,pm25,12,ug/m3
ghost-9,2024-07-14T06:40:00Z,pm25,12,ug/m3
yak-01,2024-07-14T06:50:00Z,pm25,twelve,ug/m3
yak-01,{future},pm25,12,ug/m3
yak-01,1999-12-31T23:00:00Z,pm25,12,ug/m3
yak-01,yesterday,pm25,12,ug/m3
yak-01,2024-07-14T06:50:00Z,pm 2.5!,12,ug/m3
yak-01,2024-07-14T06:50:00Z,pm25,nan,ug/m3
yak-01,2024-07-14T06:50:00Z
""".encode()
    summary = observations(engine, data)
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (9, 1, 8)
    reasons = {e["line"]: e["reason"] for e in summary["errors"]}
    assert reasons[3] == "unknown station 'ghost-9'"
    assert reasons[4] == "value 'twelve' is not a number"
    assert "more than 1 day in the future" in reasons[5] and "before 2000-01-01" in reasons[6]
    assert "is not an ISO 8601 time" in reasons[7] and "is not a name" in reasons[8]
    assert reasons[9] == "value 'nan' is not a number" and reasons[10] == "property is missing"


def test_unusable_csv_raises() -> None:
    with pytest.raises(UnusableInput, match="missing observed_at, property, value, unit"):
        read_csv(b"station_id,lon,lat\nx,1,2\n", OBSERVATION_COLUMNS)
    with pytest.raises(UnusableInput, match="UTF-8"):
        read_csv(b"\xff\xfe\x00s", STATION_COLUMNS)
    with pytest.raises(UnusableInput, match="missing station_id, lon, lat"):
        read_csv(b"", STATION_COLUMNS)


def test_stale_station_becomes_active_on_new_data(engine: Engine) -> None:
    stations(engine, ("yak-01", 129.73, 62.03))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE stations SET status = 'stale'"))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    observations(engine, f"station_id,observed_at,property,value,unit\nyak-01,{now},pm25,5,ug/m3\n".encode())
    assert query(engine, "SELECT status FROM stations") == [("active",)]
    events = query(engine, "SELECT kind, payload FROM events WHERE kind = 'station.active'")
    assert events == [("station.active", {"station_id": "yak-01"})]


def test_sensor_community_adapter(engine: Engine) -> None:
    station = sc_station(SENSOR_COMMUNITY)
    assert station == {"station_id": "sc-85012", "lon": "129.732", "lat": "62.028",
                       "name": "sensor.community 85012", "kind": "SDS011"}  # fmt: skip
    parsed = rows_from_document([SENSOR_COMMUNITY, {"sensordatavalues": []}])
    assert [(r["property"], r["value"], r["unit"]) for r in parsed.rows] == [
        ("pm10", "212.40", "ug/m3"),
        ("pm25", "187.93", "ug/m3"),
    ]
    assert parsed.lines == [1, 1] and parsed.errors[0].line == 2 and "sensor.id" in parsed.errors[0].reason
    with transaction(engine) as session:
        assert ingest_stations([station], session=session).inserted == 1
        summary = ingest_observations(
            parsed.rows, lines=parsed.lines, prior_errors=parsed.errors, session=session
        )
    assert (summary.read, summary.inserted, summary.rejected) == (3, 2, 1)
    assert query(engine, "SELECT observed_at FROM observations LIMIT 1")[0][0] == datetime(
        2024, 7, 14, 6, 42, 9, tzinfo=UTC
    )


def test_mqtt_payload_parser() -> None:
    one = parse_mqtt_payload(
        b'{"observed_at": "2024-07-14T06:40:00Z", "property": "pm25", "value": 312.5}', "s1"
    )
    assert one.rows == [
        {"observed_at": "2024-07-14T06:40:00Z", "property": "pm25", "value": 312.5, "station_id": "s1"}
    ]
    many = parse_mqtt_payload(json.dumps([{"property": "a"}, 5, {"station_id": "s2"}]).encode(), "s1")
    assert len(many.rows) == 1 and [e.line for e in many.errors] == [2, 3]
    assert "differs from the topic" in many.errors[1].reason
    with pytest.raises(MalformedPayload, match="not JSON"):
        parse_mqtt_payload(b"\xff not json", "s1")


def test_cli_ingest_stations_and_observations(database_url: str, tmp_path: Path, engine: Engine) -> None:
    from geoops.cli import app

    (tmp_path / "stations.csv").write_bytes(STATIONS_CSV)
    (tmp_path / "obs.csv").write_text(
        "station_id,observed_at,property,value,unit\n"
        "yak-01,2024-07-14T06:40:00Z,pm25,40,ug/m3\nyak-01,2024-07-14T06:50:00Z,pm25,190,ug/m3\n"
    )
    (tmp_path / "page.html").write_text("<html><body>Not found</body></html>")
    env = {"GEOOPS_DATABASE_URL": database_url, "GEOOPS_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "stations", str(tmp_path / "stations.csv")], env=env)
    assert result.exit_code == 0 and json.loads(result.stdout)["inserted"] == 2
    result = runner.invoke(app, ["ingest", "observations", str(tmp_path / "obs.csv")], env=env)
    assert result.exit_code == 0 and json.loads(result.stdout)["inserted"] == 2
    rules = {r for (r,) in query(engine, "SELECT rule FROM sensor_alarms")}
    assert rules == {"threshold", "rate"}  # 190 > 150, and up 150 within 10 minutes
    result = runner.invoke(app, ["ingest", "observations", str(tmp_path / "page.html")], env=env)
    assert result.exit_code == 2 and "missing station_id" in result.stderr
