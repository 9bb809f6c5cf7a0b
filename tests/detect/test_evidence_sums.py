"""What a pass's attached evidence adds to each incident, summed in memory (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from geoops.detect.claims import Evidence, Facts
from geoops.detect.evidence_sums import sums_by_incident
from geoops.store.binary_arrays import PackedArray

MIDNIGHT = datetime(2021, 7, 2, tzinfo=UTC).timestamp()


def values(array: PackedArray) -> list[int | float | None]:
    return array.values()


def test_sums_per_incident_match_what_sql_summed() -> None:
    # incident 7: two hotspots either side of midnight UTC (one without FRP) and a report;
    # incident 3: a sensor alarm only
    evidence = Evidence.of(
        [
            ("h", 11, MIDNIGHT - 60.5, 100.0, 60.0, 100.01, 60.01),
            ("r", 5, MIDNIGHT - 7200.0, 100.2, 60.2, 100.2, 60.2),
            ("h", 12, MIDNIGHT + 30.25, 100.1, 60.1, 100.11, 60.11),
            ("a", 9, MIDNIGHT + 100.0, 101.0, 61.0, 101.0, 61.0),
        ]
    )
    facts = Facts(
        ingested=np.array([MIDNIGHT + 900.0, MIDNIGHT - 7000.0, MIDNIGHT + 950.0, MIDNIGHT + 120.0]),
        frp=np.array([np.nan, np.nan, 12.5, np.nan]),
        confidence=np.array([40.0, np.nan, 85.0, np.nan]),
        points=np.array([[100.005, 60.005], [100.2, 60.2], [100.105, 60.105], [101.0, 61.0]]),
    )
    summed = sums_by_incident(np.array([7, 7, 7, 3]), np.array([0, 1, 2, 3]), evidence, facts)
    sums = summed.params

    assert values(sums["fresh_incidents"]) == [3, 7]
    assert values(sums["fresh_hotspots"]) == [0, 2]
    assert values(sums["fresh_first"]) == [MIDNIGHT + 100.0, MIDNIGHT - 7200.0]
    assert values(sums["fresh_last"]) == [MIDNIGHT + 100.0, MIDNIGHT + 30.25]
    assert values(sums["fresh_ingested"]) == [MIDNIGHT + 120.0, MIDNIGHT - 7000.0]
    assert values(sums["fresh_frp"]) == [None, 12.5]  # no FRP at all is NULL, not NaN
    assert values(sums["fresh_confidence"]) == [None, 85.0]
    # the middle and the box of the hotspots' points only (not the report's)
    assert values(sums["fresh_mid_x"]) == [None, 100.055]
    assert [values(sums[k])[1] for k in ("fresh_x0", "fresh_y0", "fresh_x1", "fresh_y1")] == [
        100.005, 60.005, 100.105, 60.105,
    ]  # fmt: skip
    days = [date.fromordinal(date(1970, 1, 1).toordinal() + int(d or 0)) for d in values(sums["days"])]
    assert list(zip(values(sums["day_incidents"]), days, strict=True)) == [
        (7, date(2021, 7, 1)),
        (7, date(2021, 7, 2)),
    ]
    # the box of all the evidence's shapes (footprints and points), for jurisdiction links
    assert summed.boxes == [(3, 101.0, 61.0, 101.0, 61.0), (7, 100.0, 60.0, 100.2, 60.2)]


def test_no_attached_evidence_sums_to_empty_arrays() -> None:
    evidence = Evidence.of([])
    facts = Facts(np.empty(0), np.empty(0), np.empty(0), np.empty((0, 2)))
    sums = sums_by_incident(np.empty(0, np.int64), np.empty(0, np.int64), evidence, facts)
    assert all(values(a) == [] for a in sums.params.values()) and sums.boxes == []
    assert {"fresh_incidents", "fresh_y1", "day_incidents", "days"} <= set(sums.params)
