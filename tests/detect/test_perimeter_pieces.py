"""Perimeter pieces: what new hotspots measure to, kept small as a fire grows pass by pass."""

from __future__ import annotations

from datetime import timedelta

from pytest import MonkeyPatch
from sqlalchemy import Engine

from geoops.detect import linking_pieces
from geoops.detect.linking_pieces import PILE_FACTOR, SPARE_PIECES
from tests.detect.test_detection_pass import LON, T0, detect, ingest, live_incidents, north, pixel, query
from tests.detect.test_shape_cache import assert_cache_is_database


def pieces(engine: Engine) -> dict[str, int]:
    rows = query(engine, "SELECT kind, count(*) AS n FROM incident_shapes GROUP BY kind")
    return {r.kind: r.n for r in rows}


STEPS = 36  # each pass adds its pixels as one merged piece: more than SPARE_PIECES passes


def test_pieces_pile_up_then_are_recut_and_the_fire_stays_one_incident(engine: Engine) -> None:
    for step in range(STEPS):  # a fire growing north, 300 m a pass, five pixels wide
        at = T0 + timedelta(hours=step)
        ingest(engine, *(pixel(north(300 * step), LON + 0.006 * k, at) for k in range(5)))
        detect(engine)
    [fire] = live_incidents(engine)
    assert fire.hotspot_count == 5 * STEPS
    assert_cache_is_database(engine)  # the pieces held in memory followed every re-cut
    kinds = pieces(engine)
    assert kinds.get("p", 0) > 0, "the pieces were re-cut from the whole perimeter at least once"
    # never more new pieces than the rule allows, plus the last pass's (its five pixels merged)
    assert kinds.get("n", 0) <= PILE_FACTOR * kinds["p"] + SPARE_PIECES + 1
    # every piece lies inside the perimeter, and together they cover it
    [cover] = query(
        engine,
        "SELECT bool_and(ST_Covers(ST_Buffer(i.geom, 1e-6), s.geom)) AS inside, "
        "abs(ST_Area(ST_Union(s.geom)) - ST_Area(i.geom)) / ST_Area(i.geom) AS gap "
        "FROM incident_shapes AS s JOIN incidents AS i ON i.id = s.incident_id GROUP BY i.id",
    )
    assert cover.inside and cover.gap < 1e-6
    # a hotspot 800 m west of the first row still joins the fire after the re-cut
    ingest(engine, pixel(north(0), LON - 800 / 52_000, T0 + timedelta(hours=STEPS)))
    detect(engine)
    assert [i.hotspot_count for i in live_incidents(engine)] == [5 * STEPS + 1]


def test_a_pass_recuts_at_most_its_share_and_the_rest_waits(engine: Engine, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setattr(linking_pieces, "MOST_RECUT", 1)
    recut_in: list[set[int]] = []
    for step in range(STEPS):  # two fires 1 degree apart, growing alike: crowded in the same pass
        at = T0 + timedelta(hours=step)
        ingest(
            engine,
            *(pixel(north(300 * step), LON + east + 0.006 * k, at) for k in range(5) for east in (0, 1)),
        )
        before = cuts(engine)
        detect(engine)
        after = cuts(engine)
        recut_in.append({i for i, first in after.items() if before.get(i) != first})
    assert max(len(r) for r in recut_in) == 1  # never both in one pass
    assert len(set().union(*recut_in)) == 2  # but both in time
    assert [i.hotspot_count for i in live_incidents(engine)] == [5 * STEPS, 5 * STEPS]
    assert_cache_is_database(engine)


def cuts(engine: Engine) -> dict[int, int]:
    """Each incident's first piece of its last whole cut: a new one after each re-cut."""
    rows = query(
        engine, "SELECT incident_id, min(id) AS first FROM incident_shapes WHERE kind = 'p' GROUP BY 1"
    )
    return {r.incident_id: r.first for r in rows}
