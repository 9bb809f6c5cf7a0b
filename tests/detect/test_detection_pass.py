"""One detection pass: hotspots become incidents that grow, merge and go quiet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.domain import DetectionResult
from geoops.ingest.firms import ingest_firms
from geoops.store.engine import transaction

HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,"
    "version,bright_ti5,frp,daynight"
)
T0 = datetime(2021, 7, 1, 4, 15, tzinfo=UTC)
LAT, LON = 62.0, 129.7  # near Yakutsk
M_PER_DEG_LAT = 110_574.0
# hotspots no pass has claimed: above the watermark passes move
UNCLAIMED = "SELECT count(*) FROM hotspots WHERE id > (SELECT hotspot_watermark FROM detection_state)"


def north(metres: float) -> float:
    """Latitude ``metres`` north of LAT."""
    return LAT + metres / M_PER_DEG_LAT


def pixel(lat: float, lon: float = LON, at: datetime = T0, *, fire_type: int | None = None) -> str:
    """One VIIRS NRT row (375 m pixel); ``fire_type`` appends the archive ``type`` column."""
    row = f"{lat:.5f},{lon:.5f},330.5,0.39,0.36,{at:%Y-%m-%d},{at:%H%M},N,nominal,2.0NRT,290.1,5.2,D"
    return row if fire_type is None else f"{row},{fire_type}"


def ingest(engine: Engine, *rows: str, typed: bool = False) -> None:
    header = HEADER + (",type" if typed else "")
    data = "\n".join([header, *rows, ""]).encode()
    with transaction(engine) as session:
        summary = ingest_firms(data, source="test", session=session)
    assert summary.rejected == 0


def detect(engine: Engine, params: DetectParams | None = None) -> DetectionResult:
    with transaction(engine) as session:
        return run_detection_pass(params or DetectParams(), session=session)


def query(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def live_incidents(engine: Engine) -> list[Any]:
    return query(
        engine,
        "SELECT i.id, i.hotspot_count, i.status, i.area_ha, i.merged_into_id, "
        "(SELECT count(*) FROM incident_evidence AS e WHERE e.incident_id = i.id) AS evidence "
        "FROM incidents AS i WHERE i.merged_into_id IS NULL ORDER BY i.id",
    )


def event_kinds(engine: Engine) -> list[tuple[str, Any]]:
    rows = query(
        engine,
        "SELECT kind, payload FROM events WHERE kind LIKE 'incident.%' ORDER BY id",
    )
    return [(r.kind, r.payload.get("incident_id")) for r in rows]


# -- the real VIIRS NRT sample ------------------------------------------------------------


def test_real_sample_every_fire_pixel_is_evidence_of_exactly_one_incident(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    with transaction(engine) as session:
        data = sample_path("viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv").read_bytes()
        ingest_firms(data, source="nrt", session=session)

    result = detect(engine)

    assert result.hotspots == 6226
    assert result.updated == [] and result.merged == {}
    evidence = query(
        engine,
        "SELECT count(*), count(DISTINCT e.hotspot_id), count(*) FILTER (WHERE i.merged_into_id IS NULL) "
        "FROM incident_evidence AS e JOIN incidents AS i ON i.id = e.incident_id",
    )[0]
    assert tuple(evidence) == (6226, 6226, 6226)
    incidents = live_incidents(engine)
    assert sorted(result.created) == [i.id for i in incidents]
    assert 1 < len(incidents) < 6226  # pixels of one fire share an incident
    assert sum(i.hotspot_count for i in incidents) == 6226
    assert all(i.hotspot_count == i.evidence and i.area_ha > 0 for i in incidents)
    created_events = [k for k in event_kinds(engine) if k[0] == "incident.created"]
    assert sorted(i for _, i in created_events) == [i.id for i in incidents]

    again = detect(engine)
    assert again == DetectionResult(0, [], [], {})
    assert len(event_kinds(engine)) == len(created_events)


def test_real_archive_static_sources_never_become_evidence(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    with transaction(engine) as session:
        data = sample_path("viirs_snpp_archive_fire_archive_SV-C2_272178.csv").read_bytes()
        ingest_firms(data, source="archive", session=session)

    result = detect(engine)

    assert result.hotspots == 10057
    by_type = query(
        engine,
        "SELECT h.fire_type, count(e.id), count(*) FROM hotspots AS h "
        "LEFT JOIN incident_evidence AS e ON e.hotspot_id = h.id GROUP BY 1 ORDER BY 1",
    )
    assert [tuple(r) for r in by_type] == [(0, 7055, 7055), (2, 0, 1952), (3, 0, 1050)]
    assert query(engine, UNCLAIMED)[0][0] == 0
    assert evidence_pointing_nowhere(engine) == 0


def evidence_pointing_nowhere(engine: Engine) -> int:
    """Evidence rows whose incident or hotspot does not exist (no foreign keys check them, 0015)."""
    return int(
        query(
            engine,
            "SELECT count(*) FROM incident_evidence AS e "
            "LEFT JOIN incidents AS i ON i.id = e.incident_id LEFT JOIN hotspots AS h ON h.id = e.hotspot_id "
            "WHERE i.id IS NULL OR (e.hotspot_id IS NOT NULL AND h.id IS NULL)",
        )[0][0]
    )


# -- small hand-made scenarios -------------------------------------------------------------


def test_close_pixels_form_one_incident_and_a_distant_one_another(engine: Engine) -> None:
    ingest(engine, pixel(LAT), pixel(north(300)), pixel(north(5000)))

    result = detect(engine)

    assert result.hotspots == 3 and len(result.created) == 2
    incidents = live_incidents(engine)
    assert sorted((i.hotspot_count, i.evidence) for i in incidents) == [(1, 1), (2, 2)]
    two = next(i for i in incidents if i.hotspot_count == 2)
    assert two.status == "confirmed"  # two pixels confirm a fire
    assert all(i.area_ha > 0 for i in incidents)
    assert sorted(event_kinds(engine)) == sorted(("incident.created", i) for i in result.created)
    shape = query(
        engine,
        "SELECT ST_GeometryType(geom), ST_IsValid(geom), ST_SRID(geom), number, "
        "ST_Contains(geom, centroid), first_observed_at FROM incidents WHERE id = :id",
        id=two.id,
    )[0]
    assert shape[:3] == ("ST_MultiPolygon", True, 4326)
    assert shape[3] == f"2021-{two.id:06d}"
    assert shape[4] is True
    assert shape[5] == T0


def test_perimeter_area_is_the_union_of_pixel_footprints(engine: Engine) -> None:
    ingest(engine, pixel(LAT), pixel(north(300)))
    detect(engine)
    (area_ha, footprints_ha) = query(
        engine,
        "SELECT i.area_ha, (SELECT sum(ST_Area(h.footprint::geography)) / 10000 FROM hotspots h) "
        "FROM incidents AS i",
    )[0]
    # the two 390 m x 360 m pixels overlap by 60 m north-south
    assert area_ha == pytest.approx(footprints_ha * (660 / 720), rel=0.02)


def test_a_new_pixel_grows_the_incident_it_touches(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (first,) = detect(engine).created
    ingest(engine, pixel(north(600), at=T0 + timedelta(hours=12)))

    result = detect(engine)

    assert result.created == [] and result.updated == [first]
    (incident,) = live_incidents(engine)
    assert (incident.id, incident.hotspot_count, incident.evidence) == (first, 2, 2)
    last = query(engine, "SELECT last_observed_at FROM incidents WHERE id = :id", id=first)[0][0]
    assert last == T0 + timedelta(hours=12)
    # the second pixel confirms it: an automatic status change on the timeline
    assert event_kinds(engine) == [
        ("incident.created", first),
        ("incident.updated", first),
        ("incident.status_changed", first),
    ]
    assert query(engine, "SELECT status, status_reason FROM incidents")[0] == (
        "confirmed",
        "confirmed by 2 satellite detections",
    )


def test_a_bridging_pixel_merges_two_incidents_into_the_older(engine: Engine) -> None:
    # Footprints 2 km apart do not link (gap ~1.6 km); a pixel midway links to both.
    ingest(engine, pixel(LAT))
    (older,) = detect(engine).created
    ingest(engine, pixel(north(2000), at=T0 + timedelta(hours=1)))
    (newer,) = detect(engine).created
    assert newer > older
    ingest(engine, pixel(north(1000), at=T0 + timedelta(hours=2)))

    result = detect(engine)

    assert result.created == []
    assert result.merged == {older: [newer]}
    (survivor,) = live_incidents(engine)
    assert (survivor.id, survivor.hotspot_count, survivor.evidence) == (older, 3, 3)
    absorbed = query(engine, "SELECT merged_into_id FROM incidents WHERE id = :id", id=newer)
    assert absorbed[0][0] == older
    evidence_of = query(engine, "SELECT DISTINCT incident_id FROM incident_evidence")
    assert [r[0] for r in evidence_of] == [older]
    assert evidence_pointing_nowhere(engine) == 0
    merged = query(
        engine,
        "SELECT payload FROM events WHERE kind = 'incident.merged' ORDER BY id",
    )
    payloads = [r[0] for r in merged]
    assert {"incident_id": newer, "merged_into": older} in payloads
    assert any(p.get("incident_id") == older and p.get("absorbed") == [newer] for p in payloads)
    shape = query(
        engine,
        "SELECT ST_GeometryType(geom), ST_IsValid(geom), ST_NumGeometries(geom) "
        "FROM incidents WHERE id = :id",
        id=older,
    )[0]
    assert tuple(shape) == ("ST_MultiPolygon", True, 3)  # three pixels 1 km apart


def test_evidence_attached_before_the_pass_counts_only_where_it_is(engine: Engine) -> None:
    # Never happens while passes hold their lock; the pass must still not count it twice.
    ingest(engine, pixel(LAT))
    (first,) = detect(engine).created
    far = LON + 1.0
    ingest(
        engine,
        pixel(LAT, far, at=T0 + timedelta(hours=1)),
        pixel(north(300), far, at=T0 + timedelta(hours=1)),
    )
    with transaction(engine) as session:  # one of the two new pixels, attached by hand to the first incident
        session.execute(
            sa.text(
                "INSERT INTO incident_evidence (incident_id, kind, hotspot_id, observed_at) "
                "SELECT :incident, 'hotspot', h.id, h.observed_at FROM hotspots AS h "
                "WHERE h.id > (SELECT hotspot_watermark FROM detection_state) ORDER BY h.id LIMIT 1"
            ),
            {"incident": first},
        )

    (second,) = detect(engine).created

    counts = {i.id: (i.hotspot_count, i.evidence) for i in live_incidents(engine)}
    assert counts[second] == (1, 1)  # only the pixel this pass attached
    assert counts[first] == (1, 2)  # its figures were not refreshed by a pass
    assert query(engine, UNCLAIMED)[0][0] == 0


def test_a_later_pixel_joins_a_merged_incident_through_the_survivor(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (older,) = detect(engine).created
    ingest(engine, pixel(north(2000), at=T0 + timedelta(hours=1)))
    detect(engine)
    ingest(engine, pixel(north(1000), at=T0 + timedelta(hours=2)))
    detect(engine)
    ingest(engine, pixel(north(2500), at=T0 + timedelta(hours=3)))  # next to the absorbed one

    result = detect(engine)

    assert result.created == [] and result.updated == [older]
    (survivor,) = live_incidents(engine)
    assert (survivor.id, survivor.hotspot_count) == (older, 4)


def test_a_pixel_after_the_incident_went_quiet_opens_a_new_one(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (old,) = detect(engine, DetectParams(inactive_after_hours=48)).created
    ingest(engine, pixel(north(300), at=T0 + timedelta(hours=49)))

    result = detect(engine, DetectParams(inactive_after_hours=48))

    assert len(result.created) == 1 and result.created != [old]
    assert result.updated == [] and result.merged == {}
    counts = {i.id: i.hotspot_count for i in live_incidents(engine)}
    assert counts == {old: 1, result.created[0]: 1}


def test_static_fire_types_never_open_an_incident(engine: Engine) -> None:
    ingest(
        engine,
        pixel(LAT, fire_type=2),  # other static land source (a flare, a plant)
        pixel(north(300), fire_type=2),
        pixel(north(5000), fire_type=0),
        typed=True,
    )

    result = detect(engine)

    assert result.hotspots == 3 and len(result.created) == 1
    (incident,) = live_incidents(engine)
    assert incident.hotspot_count == 1
    static_evidence = query(
        engine,
        "SELECT count(*) FROM incident_evidence AS e JOIN hotspots AS h ON h.id = e.hotspot_id "
        "WHERE h.fire_type = 2",
    )[0][0]
    assert static_evidence == 0
    reasons = query(engine, "SELECT fire_type, static_reason FROM hotspots ORDER BY latitude")
    assert [tuple(r) for r in reasons] == [(2, "firms_type_2"), (2, "firms_type_2"), (0, None)]
    assert detect(engine) == DetectionResult(0, [], [], {})


def test_a_pixel_without_frp_leaves_the_incident_without_one(engine: Engine) -> None:
    """An empty FRP travels through the claim's packed columns as NaN and reaches the
    incident as NULL, not as NaN (which would outrank every real FRP)."""
    no_frp = pixel(LAT).replace(",290.1,5.2,D", ",290.1,,D")
    ingest(engine, no_frp)
    (incident,) = detect(engine).created
    assert query(engine, "SELECT max_frp FROM incidents WHERE id = :id", id=incident)[0][0] is None
    ingest(engine, pixel(north(300), at=T0 + timedelta(hours=1)))
    detect(engine)
    assert query(engine, "SELECT max_frp FROM incidents WHERE id = :id", id=incident)[0][0] == 5.2


def test_a_static_pixel_next_to_a_fire_does_not_join_it(engine: Engine) -> None:
    ingest(engine, pixel(LAT, fire_type=0), typed=True)
    (fire,) = detect(engine).created
    ingest(engine, pixel(north(300), at=T0 + timedelta(hours=1), fire_type=2), typed=True)

    result = detect(engine)

    assert result == DetectionResult(1, [], [], {})
    (incident,) = live_incidents(engine)
    assert (incident.id, incident.hotspot_count) == (fire, 1)


def test_pixels_either_side_of_the_antimeridian_are_one_fire(engine: Engine) -> None:
    # Chukotka spans ±180°; these pixel centres are ~90 m apart at 66° N.
    ingest(engine, pixel(66.0, 179.999), pixel(66.0, -179.999))

    assert len(detect(engine).created) == 1


def test_a_pass_with_nothing_new_does_nothing(engine: Engine) -> None:
    assert detect(engine) == DetectionResult(0, [], [], {})
    assert query(engine, "SELECT count(*) FROM incidents")[0][0] == 0
    assert event_kinds(engine) == []
