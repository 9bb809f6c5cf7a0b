"""A pass updates incidents from what it adds; their figures must stay those of all their evidence."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geoops.ingest.firms import ingest_firms
from geoops.store.engine import transaction
from tests.detect.test_detection_pass import LAT, T0, detect, ingest, north, pixel, query

RECOMPUTED = """
SELECT i.id, i.hotspot_count, i.first_observed_at, i.last_observed_at, i.max_frp, i.area_ha,
       i.first_ingested_at,
       count(h.id) AS n, min(e.observed_at) AS first_seen, max(e.observed_at) AS last_seen,
       max(h.frp) AS frp, min(h.ingested_at) AS first_ingested,
       ST_Area(ST_Transform(ST_Union(h.footprint), 6933)) / 10000.0 AS union_ha,
       bool_and(ST_Covers(ST_Buffer(i.geom, 1e-6), h.footprint)) AS inside,
       ST_Contains(i.geom, i.centroid) AS centred,
       i.hotspot_days,
       array_agg(DISTINCT (h.observed_at AT TIME ZONE 'UTC')::date ORDER BY (h.observed_at AT TIME ZONE 'UTC')::date)
           AS days,
       Box2D(i.spots_box)::text AS spots_box, ST_Extent(h.geom)::text AS points_box
FROM incidents AS i
JOIN incident_evidence AS e ON e.incident_id = i.id
JOIN hotspots AS h ON h.id = e.hotspot_id
WHERE i.merged_into_id IS NULL
GROUP BY i.id
"""


def assert_figures_are_those_of_all_evidence(engine: Engine) -> int:
    rows = query(engine, RECOMPUTED)
    for r in rows:
        assert r.hotspot_count == r.n, r.id
        assert (r.first_observed_at, r.last_observed_at) == (r.first_seen, r.last_seen), r.id
        assert r.max_frp == r.frp and r.first_ingested_at == r.first_ingested, r.id
        assert r.area_ha == pytest.approx(r.union_ha, rel=1e-3), r.id
        assert r.inside, r.id
        assert r.centred, r.id  # the point inside the perimeter, however it grew
        assert r.hotspot_days == r.days and r.spots_box == r.points_box, r.id
    return len(rows)


def test_a_chain_of_merges_counts_every_hotspot_once(engine: Engine) -> None:
    ingest(engine, pixel(LAT))
    (oldest,) = detect(engine).created
    # later days, so the days and the points' box come together through the merges too
    ingest(
        engine,
        pixel(north(2000), at=T0 + timedelta(hours=25)),
        pixel(north(4000), at=T0 + timedelta(hours=25)),
    )
    middle, newest = detect(engine).created
    ingest(engine, pixel(north(3000), at=T0 + timedelta(hours=26)))
    assert detect(engine).merged == {middle: [newest]}
    ingest(engine, pixel(north(1000), at=T0 + timedelta(hours=44)))  # a third day
    assert detect(engine).merged == {oldest: [middle]}  # middle had absorbed newest already

    assert assert_figures_are_those_of_all_evidence(engine) == 1
    days = query(engine, "SELECT cardinality(hotspot_days) FROM incidents WHERE id = :id", id=oldest)[0][0]
    assert days == 3  # the second day only through the incident merged in
    assert query(engine, "SELECT hotspot_count FROM incidents WHERE id = :id", id=oldest)[0][0] == 5


def test_a_real_day_fed_in_overpasses_keeps_every_figure_exact(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    text = sample_path("viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv").read_text()
    header, *lines = text.splitlines(keepends=True)
    by_time: dict[str, list[str]] = {}
    for line in lines:
        row = next(csv.reader(io.StringIO(line)))
        by_time.setdefault(row[5] + row[6].zfill(4), []).append(line)
    times = sorted(by_time)
    size = -(-len(times) // 6)  # six passes, in time order
    chunks = [times[k : k + size] for k in range(0, len(times), size)]
    updated = 0
    for chunk in chunks:
        with transaction(engine) as session:
            data = header + "".join(line for t in chunk for line in by_time[t])
            ingest_firms(data.encode(), source="nrt", session=session)
        updated += len(detect(engine).updated)

    assert len(chunks) >= 5 and updated > 0  # later passes grew incidents of earlier ones
    assert assert_figures_are_those_of_all_evidence(engine) > 100
