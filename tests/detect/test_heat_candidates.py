"""Learned persistence: a spot that burns day after day without spreading becomes a
heat-source candidate; once a clerk accepts it, it suppresses like a registered source."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams
from geoops.detect.heat_candidates import CandidateParams, propose_heat_source_candidates
from geoops.store.engine import transaction
from geoops.store.events import append_events
from geoops.store.heat_source_candidates import accept_candidate, reject_candidate
from tests.detect.test_detection_pass import LAT, LON, T0, detect, ingest, north, pixel, query

# Where a flare's pixels fall on successive days: the same spot give or take a pixel.
FLARE_JITTER_M = (0.0, 150.0, -100.0, 60.0, 120.0, -40.0)


def learn(
    engine: Engine, ids: list[int], params: CandidateParams | None = None, new_day: list[int] | None = None
) -> list[int]:
    """Learning alone, as a pass runs it: the new candidates' ids (their events appended)."""
    with transaction(engine) as session:
        events = propose_heat_source_candidates(
            ids, params or CandidateParams(), new_day=new_day, session=session
        )
        append_events(events, session=session)
    return [int(payload["candidate_id"]) for _, payload in events]


def burn(engine: Engine, day: int, offset_m: float, lon: float = LON) -> tuple[list[int], list[int]]:
    """Two pixels ``offset_m`` north of the spot on ``day`` (one pass) and a detection pass,
    which learns over the incidents it touched: (touched incidents, new candidate ids)."""
    at = T0 + timedelta(days=day)
    before = {c.id for c in candidates(engine)}
    ingest(engine, pixel(north(offset_m), lon, at), pixel(north(offset_m + 200), lon, at))
    result = detect(engine)
    return result.created + result.updated, sorted({c.id for c in candidates(engine)} - before)


def flare(engine: Engine, days: range) -> tuple[list[int], list[int]]:
    """The flare burning on each of ``days``: (incidents touched, candidates proposed)."""
    incidents: list[int] = []
    candidates: list[int] = []
    for day in days:
        touched, new = burn(engine, day, FLARE_JITTER_M[day % len(FLARE_JITTER_M)])
        incidents += touched
        candidates += new
    return sorted(set(incidents)), candidates


def candidates(engine: Engine) -> list[Any]:
    return query(
        engine,
        "SELECT id, incident_id, status, days, detections, radius_m, first_seen_at, last_seen_at, "
        "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM heat_source_candidates ORDER BY id",
    )


def decide(engine: Engine, candidate_id: int, accept: bool) -> dict[str, Any]:
    with transaction(engine) as session:
        if accept:
            return accept_candidate(
                candidate_id, layer="heat_sources", actor_id=None, actor_name="clerk", note="a gas flare",
                session=session,
            )  # fmt: skip
        return reject_candidate(
            candidate_id, actor_id=None, actor_name="clerk", note="a peat fire", session=session
        )


def test_a_spot_seen_on_many_days_without_spreading_becomes_one_candidate(engine: Engine) -> None:
    (incident,), proposed = flare(engine, range(2))
    assert proposed == [] and candidates(engine) == []  # two days are not enough

    _, proposed = burn(engine, 2, FLARE_JITTER_M[2])
    (candidate,) = candidates(engine)
    assert proposed == [candidate.id]
    assert (candidate.incident_id, candidate.status, candidate.days, candidate.detections) == (
        incident, "candidate", 3, 6,
    )  # fmt: skip

    _, proposed = burn(engine, 3, FLARE_JITTER_M[3])
    assert proposed == []  # proposed once; the figures follow the detections
    (candidate,) = candidates(engine)
    assert (candidate.days, candidate.detections) == (4, 8)
    assert (candidate.first_seen_at, candidate.last_seen_at) == (T0, T0 + timedelta(days=3))
    assert candidate.lon == pytest.approx(LON, abs=1e-6)
    assert candidate.lat == pytest.approx(north(1020 / 8), abs=2e-5)  # the mean of the 8 points
    assert candidate.radius_m == pytest.approx(1020 / 8 + 100 + 375, abs=3)  # farthest point + half a pixel
    (event,) = query(engine, "SELECT payload FROM events WHERE kind = 'heat_source.candidate'")
    assert event.payload == {
        "candidate_id": candidate.id, "incident_id": incident, "days": 3, "detections": 6,
        "longitude": pytest.approx(LON), "latitude": pytest.approx(north(700 / 6), abs=2e-5),
    }  # fmt: skip


def test_a_fire_that_spreads_over_days_is_no_candidate(engine: Engine) -> None:
    touched: set[int] = set()
    for day in range(4):
        incidents, proposed = burn(engine, day, 900.0 * day)  # a pixel-width further north each day
        touched |= set(incidents)
        assert proposed == []
    assert len(touched) == 1  # one fire, seen on four days
    assert candidates(engine) == []


def east(metres: float) -> float:
    """Longitude ``metres`` east of LON (at LAT, where a degree is less than half as long)."""
    return LON + metres / (111_320.0 * math.cos(math.radians(LAT)))


def test_a_flare_jittering_east_west_is_a_candidate_and_a_fire_spreading_east_is_not(engine: Engine) -> None:
    # 0.0115° of longitude apart: 600 m at 62° N, though 1,280 m at the equator
    spots = {day: (east(offset), east(offset + 200)) for day, offset in enumerate((0.0, 400.0, 150.0))}
    for day, (west, far) in spots.items():
        at = T0 + timedelta(days=day)
        ingest(engine, pixel(LAT, west, at), pixel(LAT, far, at))
        detect(engine)
    (candidate,) = candidates(engine)
    # the farthest point (600 m) from the mean of the six (1,700 / 6 m), plus half a pixel
    assert candidate.days == 3 and candidate.radius_m == pytest.approx(600 - 1700 / 6 + 375, abs=3)

    for day in range(4):  # a fire 20 km away moving a pixel-width further east each day
        at = T0 + timedelta(days=day)
        start = 20_000.0 + 900.0 * day
        ingest(engine, pixel(LAT, east(start), at), pixel(LAT, east(start + 200), at))
        detect(engine)
    assert len(candidates(engine)) == 1


def swath_pixel(lat: float, lon: float, at: datetime, size_km: float) -> str:
    """A VIIRS NRT row with a pixel of ``size_km`` (0.78 at a swath's edge, 0.375 at nadir)."""
    return pixel(lat, lon, at).replace(",0.39,0.36,", f",{size_km},{size_km},", 1)


# a flare's points over three days, metres north of its place: the cell holding it and the
# next one on grids that shift between overpasses, 1,500 m from first to last
SCATTER_M = ((0.0, 780.0), (-300.0, 480.0), (1200.0, 420.0))


def test_a_flare_seen_through_wide_pixels_scatters_further_and_is_still_a_candidate(engine: Engine) -> None:
    learning_nothing = DetectParams(candidates=CandidateParams(min_days=99))  # learning tested alone
    for size_km, lon in ((0.78, LON), (0.375, east(50_000.0))):  # the swath's edge; its centre
        for day, offsets in enumerate(SCATTER_M):
            at = T0 + timedelta(days=day)
            ingest(engine, *(swath_pixel(north(m), lon, at, size_km) for m in offsets))
            detect(engine, learning_nothing)
    incidents = [i.id for i in query(engine, "SELECT id FROM incidents ORDER BY id")]
    assert len(incidents) == 2  # each place one incident over the three days

    assert learn(engine, incidents, CandidateParams(extent_pixels=1.5)) == []  # 1,170 m
    assert learn(engine, incidents, CandidateParams(max_pixel_m=400.0)) == []  # 780 m counted as 400
    # at the edge 1,500 m is under 2.5 pixels of 780 m; at nadir it is over both 1 km and
    # 2.5 pixels of 375 m: a spot spreading under fine pixels
    (candidate_id,) = learn(engine, incidents)
    (candidate,) = candidates(engine)
    assert candidate.id == candidate_id and candidate.incident_id == incidents[0]
    assert candidate.lon == pytest.approx(LON, abs=1e-6) and candidate.days == 3


def test_a_fire_that_moves_about_within_the_extent_is_no_candidate(engine: Engine) -> None:
    # through the same wide pixels, within 1,500 m, but burning at either end by turns: no
    # pixel covers the middle of its points, as at least half of a fixed source's do
    for day, offsets in enumerate(((-750.0, -600.0), (700.0, 750.0), (-720.0, 720.0))):
        ingest(engine, *(swath_pixel(north(m), LON, T0 + timedelta(days=day), 0.78) for m in offsets))
        detect(engine)
    ((incident,),) = query(engine, "SELECT id FROM incidents")
    assert candidates(engine) == []
    assert len(learn(engine, [incident], CandidateParams(min_centred=0.0))) == 1  # the extent alone


def test_a_spot_is_tested_when_it_gains_a_day_and_its_candidate_follows_every_pass(engine: Engine) -> None:
    incidents, _ = flare(engine, range(2))
    two_days = CandidateParams(min_days=2)  # the two days qualify with this
    assert learn(engine, incidents, two_days, new_day=[]) == []  # no new day: not tested
    (candidate_id,) = learn(engine, incidents, two_days, new_day=incidents)

    (candidate,) = candidates(engine)
    assert candidate.id == candidate_id and candidate.detections == 4
    ingest(engine, pixel(north(50.0), LON, T0 + timedelta(days=1, hours=2)))  # the same day, later
    detect(engine, DetectParams(candidates=two_days))
    (candidate,) = candidates(engine)
    assert (candidate.days, candidate.detections) == (2, 5)  # refreshed without a new day


def test_the_thresholds_are_parameters(engine: Engine) -> None:
    incidents, _ = flare(engine, range(2))

    wider = CandidateParams(min_days=2, max_extent_m=100.0, extent_pixels=0.0)
    assert learn(engine, incidents, wider) == []  # wider than 100 m
    assert len(learn(engine, incidents, CandidateParams(min_days=2))) == 1


def test_an_accepted_candidate_dismisses_its_incident_and_suppresses_the_spot(engine: Engine) -> None:
    (incident,), (candidate_id,) = flare(engine, range(3))
    (before,) = query(engine, "SELECT number, status FROM incidents WHERE id = :id", id=incident)
    assert before.status != "dismissed"

    feature = decide(engine, candidate_id, accept=True)

    assert feature["properties"]["status"] == "accepted"
    assert feature["properties"]["decided_by"] == "clerk" and feature["properties"]["note"] == "a gas flare"
    reason = f"known heat source (candidate {candidate_id} accepted)"
    (row,) = query(engine, "SELECT status, status_reason FROM incidents WHERE id = :id", id=incident)
    assert tuple(row) == ("dismissed", reason)
    changed = query(engine, "SELECT payload FROM events WHERE kind = 'incident.status_changed'")
    assert [e.payload for e in changed] == [{
        "incident_id": incident, "number": before.number, "status": "dismissed",
        "previous": before.status, "reason": reason, "by": "clerk",
    }]  # fmt: skip
    assert {r.static_reason for r in query(engine, "SELECT static_reason FROM hotspots")} == {"heat_source"}
    (source,) = query(
        engine,
        "SELECT f.properties, ST_X(f.geom) AS lon, l.feature_count FROM layer_features AS f "
        "JOIN layers AS l ON l.id = f.layer_id WHERE l.name = 'heat_sources'",
    )
    assert source.properties["source"] == "learned" and source.properties["candidate_id"] == candidate_id
    assert source.properties["radius_m"] >= 500 and source.feature_count == 1

    at = T0 + timedelta(days=3)
    ingest(engine, pixel(north(50), at=at))
    result = detect(engine)
    assert (result.hotspots, result.created, result.updated) == (1, [], [])
    newest = query(engine, "SELECT static_reason FROM hotspots WHERE observed_at = :at", at=at)
    assert [r.static_reason for r in newest] == ["heat_source"]


def test_a_rejected_spot_is_not_proposed_again(engine: Engine) -> None:
    (incident,), (candidate_id,) = flare(engine, range(3))
    decide(engine, candidate_id, accept=False)

    _, proposed = burn(engine, 3, 0.0)  # the same incident keeps burning
    assert proposed == []
    (candidate,) = candidates(engine)
    assert (candidate.status, candidate.days, candidate.detections) == ("rejected", 4, 8)
    (row,) = query(engine, "SELECT status FROM incidents WHERE id = :id", id=incident)
    assert row.status != "dismissed"  # rejecting leaves the incident alone

    later, proposed = flare(engine, range(7, 11))  # after a quiet spell: a new incident, same spot
    assert incident not in later and proposed == []
    assert [c.id for c in candidates(engine)] == [candidate_id]


def test_a_candidate_can_be_decided_only_once(engine: Engine) -> None:
    from geoops.errors import Conflict, NotFound

    _, (candidate_id,) = flare(engine, range(3))
    decide(engine, candidate_id, accept=False)

    with pytest.raises(Conflict, match="already rejected"):
        decide(engine, candidate_id, accept=True)
    with pytest.raises(NotFound):
        decide(engine, candidate_id + 1, accept=False)
    assert query(engine, "SELECT count(*) AS n FROM layer_features")[0].n == 0


def test_a_flare_on_the_antimeridian_is_one_spot(engine: Engine) -> None:
    incidents: set[int] = set()
    proposed: list[int] = []
    for day in range(3):
        touched, new = burn(engine, day, 0.0, lon=179.999 if day % 2 else -179.999)
        incidents |= set(touched)
        proposed += new
    assert len(proposed) == len(incidents) == 1
    (candidate,) = candidates(engine)
    # four points at -179.999 and two at 179.999: their mean lies 0.00033° east of ±180°
    assert candidate.lon == pytest.approx(-180 + 0.001 / 3, abs=1e-5)
    assert candidate.radius_m == 500.0  # the minimum: the points are ~100 m apart
