"""Passes claim hotspots above a watermark: none skipped when inserts commit out of id
order, none claimed twice, a batch limit continued by the next pass (migration 0018)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geoops.detect.detection_pass import DetectParams
from geoops.ingest.firms import ingest_firms
from geoops.store.engine import transaction
from tests.detect.test_detection_pass import (
    HEADER,
    LAT,
    LON,
    T0,
    UNCLAIMED,
    detect,
    ingest,
    north,
    pixel,
    query,
)


def claimed_counts(engine: Engine) -> dict[int, int]:
    """Evidence rows per hotspot, for every hotspot."""
    rows = query(
        engine,
        "SELECT h.id, count(e.id) AS n FROM hotspots AS h "
        "LEFT JOIN incident_evidence AS e ON e.hotspot_id = h.id GROUP BY h.id",
    )
    return {r.id: r.n for r in rows}


def test_a_batch_limit_leaves_the_rest_to_the_next_pass(engine: Engine) -> None:
    ingest(engine, *(pixel(north(300 * k), at=T0 + timedelta(minutes=k)) for k in range(5)))
    small = DetectParams(batch_size=2)
    assert [detect(engine, small).hotspots for _ in range(4)] == [2, 2, 1, 0]
    assert query(engine, UNCLAIMED)[0][0] == 0
    assert set(claimed_counts(engine).values()) == {1}  # each hotspot attached exactly once


def test_a_hotspot_inserted_by_a_transaction_still_open_is_not_skipped(engine: Engine) -> None:
    """The open transaction has the lower id; a later one commits a higher id first. The
    pass waits for the open one instead of claiming past it."""
    ingest(engine, pixel(LAT))
    detect(engine)
    slow = Session(engine)
    try:
        ingest_firms("\n".join([HEADER, pixel(LAT, LON + 1.0, at=T0 + timedelta(hours=1)), ""]).encode(),
                     source="test", session=slow)  # fmt: skip
        ingest(engine, pixel(LAT, LON + 2.0, at=T0 + timedelta(hours=1)))  # a higher id, committed
        result: list[int] = []
        worker = threading.Thread(target=lambda: result.append(detect(engine).hotspots))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive()  # waiting for the open insert to end
        slow.commit()
        worker.join(timeout=30)
    finally:
        slow.close()
    assert result == [2]
    assert query(engine, UNCLAIMED)[0][0] == 0
    assert set(claimed_counts(engine).values()) == {1}


def test_the_settled_top_waits_for_inserts_only_while_they_run(engine: Engine) -> None:
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with transaction(engine) as session:
        ingest_firms("\n".join([HEADER, pixel(LAT), ""]).encode(), source="test", session=session)
        with psycopg.connect(conninfo, autocommit=True) as other:
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT hotspots_settled_top()")
    with psycopg.connect(conninfo, autocommit=True) as other:
        top = other.execute("SELECT hotspots_settled_top()").fetchone()
        held = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()
    assert top == (query(engine, "SELECT max(id) FROM hotspots")[0][0],)
    assert held == (0,)  # the lock is let go once the id is read
