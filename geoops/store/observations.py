"""Observations, a long-format time series: bulk store (COPY + one insert) and reads.

A stored batch leaves its newly inserted rows in the temporary table ``observations_batch``
until the transaction ends: the anomaly rules (geoops.detect) read exactly those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.scope import Scope, area_clause

BATCH_TABLE = "observations_batch"
_COLUMNS = "station_id text, property text, observed_at timestamptz, value float8, unit text"
_STORE = """
WITH new AS (
    INSERT INTO observations AS o (station_id, property, observed_at, value, unit)
    SELECT s.station_id, s.property, s.observed_at, s.value, s.unit
    FROM observations_stage AS s
    WHERE EXISTS (SELECT 1 FROM stations AS st WHERE st.id = s.station_id AND {known})
    ORDER BY s.station_id, s.property, s.observed_at, s.line  -- one lock order; the first line wins
    ON CONFLICT ON CONSTRAINT observations_key DO NOTHING
    RETURNING o.station_id, o.property, o.observed_at, o.value, o.unit
)
INSERT INTO observations_batch SELECT * FROM new
"""
# last_seen_at only moves forward (a late backfill does not revive a station) and never
# past now (a station clock running ahead must not keep it "fresh").
_SEEN = """
UPDATE stations AS s
SET last_seen_at = n.last, status = CASE WHEN s.status = 'stale' THEN 'active' ELSE s.status END
FROM (
    SELECT b.station_id, least(max(b.observed_at), now()) AS last
    FROM observations_batch AS b GROUP BY b.station_id
) AS n
WHERE s.id = n.station_id AND (s.last_seen_at IS NULL OR n.last > s.last_seen_at)
RETURNING s.id, (SELECT o.status FROM stations AS o WHERE o.id = s.id) AS was
"""


@dataclass(frozen=True)
class ObservationRow:
    """One validated reading, in its canonical unit; ``line`` locates it in the input."""

    line: int
    station_id: str
    property: str
    observed_at: datetime
    value: float
    unit: str


@dataclass(frozen=True)
class StoredBatch:
    inserted: int
    unknown_station_lines: list[int]
    revived: list[str]  # stations that were stale and reported again


def copy_rows(statement: str, rows: Iterable[Sequence[Any]], *, session: Session) -> None:
    """``COPY … FROM STDIN`` of Python tuples on the session's own connection."""
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def store_observations(
    rows: Sequence[ObservationRow], *, session: Session, scope: Scope = None
) -> StoredBatch:
    """Insert the rows that are new (station, property, time); rows of stations that are
    unknown (or outside ``scope``: the same answer) are left out and named.
    ``observations_batch`` then holds the inserted rows."""
    for table, extra in (("observations_stage", "line int, "), (BATCH_TABLE, "")):
        session.execute(
            sa.text(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({extra}{_COLUMNS}) ON COMMIT DROP")
        )
        session.execute(sa.text(f"TRUNCATE {table}"))
    copy_rows(
        "COPY observations_stage (line, station_id, property, observed_at, value, unit) FROM STDIN",
        ((r.line, r.station_id, r.property, r.observed_at, r.value, r.unit) for r in rows),
        session=session,
    )
    params: dict[str, Any] = {}
    known = area_clause("st.geom", scope, params)
    unknown = session.execute(
        sa.text(
            "SELECT s.line FROM observations_stage AS s WHERE NOT EXISTS "
            f"(SELECT 1 FROM stations AS st WHERE st.id = s.station_id AND {known}) ORDER BY s.line"
        ),
        params,
    ).scalars()
    unknown_lines = [int(line) for line in unknown]
    session.execute(sa.text(_STORE.format(known=known)), params)
    inserted = int(session.execute(sa.text(f"SELECT count(*) FROM {BATCH_TABLE}")).scalar_one())
    revived = [r.id for r in session.execute(sa.text(_SEEN)) if r.was == "stale"] if inserted else []
    return StoredBatch(inserted, unknown_lines, revived)


def latest_readings(station_id: str, *, session: Session) -> list[dict[str, Any]]:
    """The newest reading of each property of a station (a skip scan over the primary key)."""
    sql = """
    WITH RECURSIVE props AS (
        (SELECT property FROM observations WHERE station_id = :id ORDER BY property LIMIT 1)
        UNION ALL
        SELECT (SELECT o.property FROM observations AS o
                WHERE o.station_id = :id AND o.property > p.property ORDER BY o.property LIMIT 1)
        FROM props AS p WHERE p.property IS NOT NULL
    )
    SELECT l.property, l.observed_at, l.value, l.unit
    FROM props AS p CROSS JOIN LATERAL (
        SELECT o.property, o.observed_at, o.value, o.unit FROM observations AS o
        WHERE o.station_id = :id AND o.property = p.property ORDER BY o.observed_at DESC LIMIT 1
    ) AS l
    WHERE p.property IS NOT NULL ORDER BY l.property
    """
    return [dict(r) for r in session.execute(sa.text(sql), {"id": station_id}).mappings()]


def recent_observations(
    station_id: str,
    *,
    session: Session,
    since: datetime | None = None,
    prop: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """A station's readings, newest first; optionally one property and only after ``since``."""
    params: dict[str, Any] = {"id": station_id, "since": since, "prop": prop, "limit": limit}
    sql = (
        "SELECT property, observed_at, value, unit FROM observations WHERE station_id = :id "
        "AND (CAST(:since AS timestamptz) IS NULL OR observed_at > :since) "
        "AND (CAST(:prop AS text) IS NULL OR property = :prop) "
        "ORDER BY observed_at DESC, property LIMIT :limit"
    )
    return [dict(r) for r in session.execute(sa.text(sql), params).mappings()]
