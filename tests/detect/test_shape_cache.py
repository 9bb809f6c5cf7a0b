"""The incident shapes a process holds in memory stay what the database holds: after a pass
of another process, after a pass that rolled back, and for evidence older than the cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.detect import shape_cache
from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.store.engine import transaction
from tests.detect.test_detection_pass import LAT, T0, detect, ingest, live_incidents, north, pixel, query


@pytest.fixture(autouse=True)
def own_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test's process starts with no cached shapes."""
    monkeypatch.setattr(shape_cache, "_CACHES", {})
    yield


def assert_cache_is_database(engine: Engine) -> None:
    """The pieces this process holds (with what its last pass staged) are the table's."""
    with transaction(engine) as session:
        generation = session.execute(sa.text("SELECT generation FROM detection_state")).scalar_one()
        cache = shape_cache._CACHES[shape_cache.database_token(session=session)]
        cache = shape_cache.shapes_for(generation + 1, cache.floor, session=session)
        assert cache.generation == generation  # brought up to date, not reloaded from the table
        held = dict(zip(cache.ids.tolist(), cache.incidents.tolist(), strict=True))
        rows = session.execute(
            sa.text("SELECT id, incident_id FROM incident_shapes WHERE incident_id = ANY(:ids)"),
            {"ids": list(cache.last_seen)},
        ).all()
        stored: dict[int, int] = {int(piece): int(incident) for piece, incident in rows}
        session.rollback()
    assert held == stored


def as_other_process(engine: Engine) -> None:
    """One pass with caches of its own, as another process would run it."""
    mine = shape_cache._CACHES
    shape_cache._CACHES = {}
    try:
        detect(engine)
    finally:
        shape_cache._CACHES = mine


def test_a_pass_of_another_process_is_seen(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    first = detect(engine).created
    ingest(engine, pixel(north(20_000), at=T0 + timedelta(hours=1)))
    as_other_process(engine)  # incident B 20 km north, unknown to this process's cache
    b = [i.id for i in live_incidents(engine) if i.id not in first]
    assert len(b) == 1
    ingest(engine, pixel(north(20_600), at=T0 + timedelta(hours=2)))  # 600 m beyond B
    result = detect(engine)
    assert result.created == [] and result.updated == b
    assert_cache_is_database(engine)


def test_a_rolled_back_pass_leaves_nothing_behind(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (a,) = detect(engine).created
    ingest(engine, pixel(north(800), at=T0 + timedelta(hours=1)))
    with pytest.raises(RuntimeError), transaction(engine) as session:
        assert run_detection_pass(DetectParams(), session=session).updated == [a]
        raise RuntimeError("the pass's transaction fails after it ran")
    with transaction(engine) as session:  # that hotspot is withdrawn: A never grew
        session.execute(sa.text("DELETE FROM hotspots WHERE observed_at > :t"), {"t": T0})
    # 1.6 km from A: it would join A had the rolled-back piece stayed in memory
    ingest(engine, pixel(north(1_600), at=T0 + timedelta(hours=2)))
    result = detect(engine)
    assert result.updated == [] and len(result.created) == 1
    assert_cache_is_database(engine)


def test_evidence_older_than_the_cache_reloads_it(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (a,) = detect(engine).created
    ingest(engine, pixel(north(50_000), at=T0 + timedelta(days=5)))
    detect(engine)  # the cache now holds only incidents observed in the last days
    ingest(engine, pixel(north(600), at=T0 + timedelta(hours=3)))  # late data beside A
    result = detect(engine)
    assert result.created == [] and result.updated == [a]


def test_merged_and_re_cut_pieces_follow_the_survivor(engine: Engine) -> None:
    ingest(engine, pixel(LAT), pixel(north(2_400)))
    a, b = sorted(detect(engine).created)
    ingest(engine, pixel(north(1_200), at=T0 + timedelta(hours=1)))  # bridges A and B
    assert detect(engine).merged == {a: [b]}
    # beside what was B: joins the survivor, found through B's pieces moved in memory
    ingest(engine, pixel(north(3_100), at=T0 + timedelta(hours=2)))
    result = detect(engine)
    assert result.created == [] and result.updated == [a]
    count = query(engine, "SELECT count(*) FROM incident_shapes WHERE incident_id = :b", b=b)[0][0]
    assert count == 0
    assert_cache_is_database(engine)


def test_piece_counts_follow_this_pass_merges() -> None:
    kinds = ["p", "n", "n", "g", "n", "p", "n"]
    cache = shape_cache.ShapeCache(
        token="t", generation=1, floor=0.0, max_id=7,
        ids=np.arange(1, 8, dtype=np.int64),
        incidents=np.array([1, 1, 1, 1, 2, 3, 3], dtype=np.int64),
        kinds=np.array(kinds, dtype="<U1"),
        geoms=np.array([shapely.Point(0, 0)] * 7, dtype=object),
        last_seen={1: 0.0, 2: 0.0, 3: 0.0},
    )  # fmt: skip
    assert cache.piece_counts({}) == {1: (2, 1), 2: (1, 0), 3: (1, 1)}
    assert cache.piece_counts({3: 1}) == {1: (3, 2), 2: (1, 0)}  # 1 absorbed 3 in this pass
