"""Fusion: reports and sensor alarms join the incident of the fire they speak of, or open
a suspected point incident; a second independent source confirms it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from geoops.detect.sensor_rules import SensorRules, check_stored_batch
from geoops.ingest.report_checks import ReportRules
from geoops.ingest.reports import store_report
from geoops.ingest.sensors import ingest_observations, ingest_stations
from geoops.store.engine import transaction
from geoops.store.reports import NewReport
from tests.detect.test_detection_pass import LAT, LON, T0, detect, ingest, north, pixel, query

HOUR = timedelta(hours=1)


def report(
    engine: Engine,
    lat: float,
    lon: float = LON,
    at: datetime = T0,
    *,
    category: str = "smoke",
    crew: bool = False,
) -> int:
    new = NewReport(category=category, text="smoke over the forest", contact=None, longitude=lon, latitude=lat,
                    accuracy_m=20.0, reported_at=at, reporter_kind="crew" if crew else "citizen")  # fmt: skip
    with transaction(engine) as session:
        report_id, _ = store_report(
            new, tracking_hash=secrets.token_hex(32), rules=ReportRules(), session=session
        )
    return report_id


def smoke_alarm(engine: Engine, station: str, lat: float, lon: float = LON, at: datetime = T0) -> None:
    """A PM2.5 reading far above the default threshold at ``station``: one sensor alarm."""
    with transaction(engine) as session:
        ingest_stations([{"station_id": station, "lon": lon, "lat": lat}], session=session)
        reading = {"station_id": station, "observed_at": at.isoformat(), "property": "pm25",
                   "value": 480.0, "unit": "ug/m3"}  # fmt: skip
        assert ingest_observations([reading], session=session, source="test").inserted == 1
        assert check_stored_batch(SensorRules(), session=session)


def incidents(engine: Engine) -> list[Any]:
    return query(
        engine,
        "SELECT id, number, status, status_reason, sources, hotspot_count, ST_GeometryType(geom) AS shape, "
        "first_observed_at, area_ha FROM incidents WHERE merged_into_id IS NULL ORDER BY id",
    )


def evidence_kinds(engine: Engine, incident_id: int) -> list[str]:
    rows = query(
        engine, "SELECT kind FROM incident_evidence WHERE incident_id = :id ORDER BY kind", id=incident_id
    )
    return [r.kind for r in rows]


def test_report_first_then_satellite_becomes_one_confirmed_incident(engine: Engine) -> None:
    report_id = report(engine, LAT, at=T0 - 3 * HOUR)
    (opened,) = detect(engine).created
    (incident,) = incidents(engine)
    assert (incident.status, incident.sources, incident.shape) == ("suspected", ["report"], "ST_Point")
    assert incident.first_observed_at == T0 - 3 * HOUR

    ingest(engine, pixel(north(1500)))  # 1.5 km away: beyond hotspot linking, within fusion
    result = detect(engine)

    assert (result.created, result.updated) == ([], [opened])
    (incident,) = incidents(engine)
    assert incident.status == "confirmed"
    assert incident.status_reason == "confirmed by 2 independent sources (satellite, report)"
    assert (incident.sources, incident.hotspot_count) == (["satellite", "report"], 1)
    assert incident.shape == "ST_MultiPolygon" and incident.area_ha > 10
    assert incident.first_observed_at == T0 - 3 * HOUR  # the report saw it first
    assert evidence_kinds(engine, opened) == ["hotspot", "report"]
    linked = query(engine, "SELECT status, incident_id FROM reports WHERE id = :id", id=report_id)[0]
    assert tuple(linked) == ("linked", opened)
    changes = query(engine, "SELECT payload FROM events WHERE kind = 'incident.status_changed'")
    assert [(c.payload["previous"], c.payload["status"], c.payload["by"]) for c in changes] == [
        ("suspected", "confirmed", "geoops")
    ]


def test_a_report_near_a_burning_fire_becomes_its_evidence(engine: Engine) -> None:
    ingest(engine, pixel(LAT), pixel(north(400)))
    (fire,) = detect(engine).created
    report(engine, north(2500), at=T0 + 2 * HOUR)  # 2 km beyond the perimeter
    result = detect(engine)
    assert (result.created, result.updated, result.reports) == ([], [fire], 1)
    assert incidents(engine)[0].sources == ["satellite", "report"]


def test_far_or_stale_reports_open_their_own_suspected_incident(engine: Engine) -> None:
    ingest(engine, pixel(LAT), pixel(north(400)))
    detect(engine)
    report(engine, north(10_000), at=T0)  # 10 km away
    report(engine, LAT, at=T0 - 3 * 24 * HOUR)  # same place, three days before the fire
    assert len(detect(engine).created) == 2
    opened = [i for i in incidents(engine) if i.sources == ["report"]]
    assert [(i.status, i.shape) for i in opened] == [("suspected", "ST_Point")] * 2


def test_two_independent_reports_confirm_but_a_duplicate_does_not(engine: Engine) -> None:
    report(engine, LAT)
    report(engine, north(100), at=T0 + timedelta(minutes=5))  # 100 m, 5 min: a duplicate
    detect(engine)
    (incident,) = incidents(engine)
    assert incident.status == "suspected"  # one source said it twice
    report(engine, north(1200), at=T0 + HOUR)  # another reporter, 1.2 km away
    detect(engine)
    (incident,) = incidents(engine)
    assert (
        incident.status == "confirmed"
        and incident.status_reason == "confirmed by 2 independent sources (report)"
    )


def test_a_crew_report_alone_confirms(engine: Engine) -> None:
    report(engine, LAT, category="open_fire", crew=True)
    detect(engine)
    (incident,) = incidents(engine)
    assert (incident.status, incident.status_reason) == ("confirmed", "confirmed by a crew report")


def test_reports_not_about_fire_open_nothing_and_are_seen(engine: Engine) -> None:
    report(engine, LAT, category="illegal_dump")
    result = detect(engine)
    assert (result.created, result.reports) == ([], 1)
    assert query(engine, "SELECT count(*) FROM reports WHERE detected_at IS NULL")[0][0] == 0
    assert detect(engine).reports == 0


def test_sensor_alarms_of_one_station_are_one_source_two_stations_confirm(engine: Engine) -> None:
    smoke_alarm(engine, "st-1", LAT)
    smoke_alarm(engine, "st-1", LAT, at=T0 + timedelta(minutes=10))
    detect(engine)
    (incident,) = incidents(engine)
    assert (incident.status, incident.sources, incident.shape) == ("suspected", ["sensor"], "ST_Point")
    smoke_alarm(engine, "st-2", north(2000), at=T0 + timedelta(minutes=20))
    detect(engine)
    (incident,) = incidents(engine)
    assert incident.status == "confirmed" and evidence_kinds(engine, incident.id) == ["sensor"] * 3
    alarms = query(engine, "SELECT DISTINCT incident_id FROM sensor_alarms")
    assert [a.incident_id for a in alarms] == [incident.id]


def test_a_report_bridging_a_sensor_incident_and_a_fire_merges_them(engine: Engine) -> None:
    smoke_alarm(engine, "st-1", north(5000))
    ingest(engine, pixel(LAT), pixel(north(400)))
    assert len(detect(engine).created) == 2  # 5 km apart: two incidents
    report(engine, north(2700), at=T0 + HOUR)  # within 3 km of both
    result = detect(engine)
    (survivor,) = result.merged
    (incident,) = incidents(engine)
    assert incident.id == survivor and sorted(incident.sources) == ["report", "satellite", "sensor"]
    assert sorted(evidence_kinds(engine, survivor)) == ["hotspot", "hotspot", "report", "sensor"]


@pytest.mark.parametrize(
    ("lat", "lon"), [(65.0, 179.9999), (65.0, -180.0), (89.9999, 10.0), (90.0, 0.0), (-90.0, 0.0)]
)
def test_reports_at_the_antimeridian_and_the_poles_open_point_incidents(
    engine: Engine, lat: float, lon: float
) -> None:
    report(engine, lat, lon)
    report(engine, lat, -lon if abs(lon) == 180 else lon, at=T0 + HOUR)
    result = detect(engine)
    assert result.reports == 2 and result.created
    assert {i.shape for i in incidents(engine)} == {"ST_Point"}


def test_registration_numbers_count_per_region_and_year(engine: Engine) -> None:
    with engine.begin() as conn:
        for name, code, west in (("Sakha", "RU-SA", 120.0), ("Amur", "RU-AMU", 135.0)):
            conn.exec_driver_sql(
                "INSERT INTO jurisdictions (name, level, level_rank, code, geom) VALUES "
                f"('{name}', 'region', 1, '{code}', ST_Multi(ST_MakeEnvelope({west}, 50, {west + 15}, 70, 4326)))"
            )
    ingest(engine, pixel(LAT), pixel(LAT, LON + 1), pixel(LAT, 140.0), pixel(40.0, 100.0))
    ingest(engine, pixel(LAT, LON + 2, at=T0.replace(year=2022)))
    detect(engine)
    numbers = sorted(i.number for i in incidents(engine))
    assert numbers == ["2021-000001", "RU-AMU-2021-000001", "RU-SA-2021-000001", "RU-SA-2021-000002",
                       "RU-SA-2022-000001"]  # fmt: skip
    assert query(engine, "SELECT count(DISTINCT region_code) FROM incidents")[0][0] == 2


def test_each_growing_pass_adds_a_perimeter_to_the_history(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (fire,) = detect(engine).created
    ingest(engine, pixel(north(600), at=T0 + 12 * HOUR), pixel(north(900), at=T0 + 12 * HOUR))
    detect(engine)
    history = query(
        engine,
        "SELECT observed_at, area_ha, growth_ha, hotspot_count FROM incident_perimeters "
        "WHERE incident_id = :id ORDER BY observed_at",
        id=fire,
    )
    assert [(h.observed_at, h.hotspot_count) for h in history] == [(T0, 1), (T0 + 12 * HOUR, 3)]
    assert history[0].growth_ha == pytest.approx(history[0].area_ha)
    assert history[1].growth_ha == pytest.approx(history[1].area_ha - history[0].area_ha)


def test_an_older_pass_after_a_newer_one_joins_the_same_fire(engine: Engine) -> None:
    ingest(engine, pixel(LAT, at=T0 + 12 * HOUR))
    (fire,) = detect(engine).created
    ingest(engine, pixel(north(500), at=T0))  # the earlier overpass arrives late
    assert detect(engine).updated == [fire]
    (incident,) = incidents(engine)
    assert (incident.first_observed_at, incident.hotspot_count) == (T0, 2)


def test_a_duplicate_pass_changes_nothing(engine: Engine) -> None:
    rows = (pixel(LAT), pixel(north(400)))
    ingest(engine, *rows)
    detect(engine)
    before = incidents(engine)
    ingest(engine, *rows)
    assert detect(engine).hotspots == 0
    assert incidents(engine) == before


def test_a_degenerate_footprint_does_not_fail_the_pass(engine: Engine) -> None:
    tiny = pixel(LAT).replace(",0.39,0.36,", ",0.001,0.001,")  # a 1 m "pixel"
    ingest(engine, tiny, pixel(north(400)), pixel(north(5000)))
    with engine.begin() as conn:  # and one collapsed to a zero-area ring (a bow-tie)
        conn.exec_driver_sql(
            "UPDATE hotspots SET footprint = ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY["
            "ST_MakePoint(longitude, latitude), ST_MakePoint(longitude + 0.01, latitude + 0.01), "
            "ST_MakePoint(longitude + 0.01, latitude), ST_MakePoint(longitude, latitude + 0.01), "
            "ST_MakePoint(longitude, latitude)])), 4326) WHERE latitude > 62.04"
        )
    result = detect(engine)
    assert result.hotspots == 3 and len(result.created) == 2
    assert query(engine, "SELECT bool_and(ST_IsValid(geom)) FROM incidents")[0][0]
