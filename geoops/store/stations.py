"""Sensor stations: bulk upsert (COPY + one statement) and reads scoped by position."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.geojson import BBox, bbox_clause, feature_collection
from geoops.store.observations import copy_rows, latest_readings
from geoops.store.scope import Scope, area_clause

# A station that is posted again with another position, name or kind is updated (it was
# moved or renamed); an optional column left empty keeps what is stored.
_UPSERT = """
INSERT INTO stations AS s (id, name, kind, geom)
SELECT id, name, kind, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM stations_stage ORDER BY id
ON CONFLICT (id) DO UPDATE
SET name = coalesce(EXCLUDED.name, s.name), kind = coalesce(EXCLUDED.kind, s.kind), geom = EXCLUDED.geom
WHERE (s.name, s.kind, ST_AsEWKB(s.geom))
    IS DISTINCT FROM (coalesce(EXCLUDED.name, s.name), coalesce(EXCLUDED.kind, s.kind), ST_AsEWKB(EXCLUDED.geom))
RETURNING (s.xmax = 0) AS inserted
"""
_STATION = """
SELECT s.id, s.name, s.kind, s.status, s.last_seen_at, s.created_at,
       ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
       coalesce((SELECT json_agg(json_build_object('id', j.id, 'name', j.name, 'level', j.level)
                                 ORDER BY j.level_rank, j.name)
                 FROM jurisdictions AS j WHERE ST_Intersects(j.geom, s.geom)), '[]'::json) AS jurisdictions
FROM stations AS s WHERE s.id = :id AND {where}
"""
_ALARMS = """
SELECT id, property, rule, observed_at, value, strength, detail FROM sensor_alarms
WHERE station_id = :id ORDER BY observed_at DESC, id DESC LIMIT :limit
"""


@dataclass(frozen=True)
class StationRow:
    """One validated station; ``line`` locates it in the input."""

    line: int
    id: str
    lon: float
    lat: float
    name: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class StationCounts:
    inserted: int
    updated: int


def upsert_stations(rows: Sequence[StationRow], *, session: Session) -> StationCounts:
    """Insert new stations and update changed ones; ids must be unique within ``rows``."""
    if not rows:
        return StationCounts(0, 0)
    session.execute(
        sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS stations_stage "
            "(id text, lon float8, lat float8, name text, kind text) ON COMMIT DROP"
        )
    )
    session.execute(sa.text("TRUNCATE stations_stage"))
    copy_rows(
        "COPY stations_stage (id, lon, lat, name, kind) FROM STDIN",
        ((r.id, r.lon, r.lat, r.name, r.kind) for r in rows),
        session=session,
    )
    flags = [bool(f) for f in session.execute(sa.text(_UPSERT)).scalars()]
    return StationCounts(inserted=sum(flags), updated=len(flags) - sum(flags))


def stations_outside(rows: Sequence[StationRow], scope: Scope, *, session: Session) -> list[int]:
    """Lines of the rows that ``scope`` may not write: placed outside it, or naming a
    station stored outside it (moving one in from elsewhere is not allowed either)."""
    if scope is None or not rows:
        return []
    params: dict[str, Any] = {
        "lines": [r.line for r in rows], "ids": [r.id for r in rows],
        "lons": [r.lon for r in rows], "lats": [r.lat for r in rows],
    }  # fmt: skip
    inside_new = area_clause("ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)", scope, params)
    inside_old = area_clause("s.geom", scope, params)
    sql = (
        "SELECT r.line FROM unnest(CAST(:lines AS int[]), CAST(:ids AS text[]), "
        "CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS r (line, id, lon, lat) "
        f"LEFT JOIN stations AS s ON s.id = r.id WHERE NOT ({inside_new}) "
        f"OR (s.id IS NOT NULL AND NOT ({inside_old})) ORDER BY r.line"
    )
    return [int(line) for line in session.execute(sa.text(sql), params).scalars()]


def stations_geojson(
    *,
    session: Session,
    scope: Scope = None,
    bbox: BBox | None = None,
    status: str | None = None,
    limit: int = 10_000,
) -> dict[str, Any]:
    """Stations in ``scope`` as a GeoJSON FeatureCollection, ordered by id."""
    params: dict[str, Any] = {"limit": limit}
    clauses = [area_clause("s.geom", scope, params)]
    clauses += [bbox_clause("s.geom", bbox, params)] if bbox else []
    if status:
        params["status"] = status
        clauses.append("s.status = :status")
    return feature_collection("stations_geojson", clauses, params, session=session)


def get_station(
    station_id: str, *, session: Session, scope: Scope = None, alarms: int = 20
) -> dict[str, Any] | None:
    """One station as a GeoJSON Feature with its latest reading of each property and its
    recent alarms; None when it is missing or outside ``scope`` (the same answer)."""
    params: dict[str, Any] = {"id": station_id}
    sql = _STATION.format(where=area_clause("s.geom", scope, params))
    row = session.execute(sa.text(sql), params).mappings().first()
    if row is None:
        return None
    properties = {k: v for k, v in row.items() if k not in ("lon", "lat")}
    properties["latest"] = latest_readings(station_id, session=session)
    recent = session.execute(sa.text(_ALARMS), {"id": station_id, "limit": alarms}).mappings()
    properties["alarms"] = [dict(a) for a in recent]
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


def sensor_overview(*, session: Session, scope: Scope = None) -> dict[str, Any]:
    """Stations in ``scope`` by status, their newest reading time, and alarms of the last day."""
    params: dict[str, Any] = {}
    where = area_clause("s.geom", scope, params)
    row = session.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE s.status = 'active') AS active, "
            "count(*) FILTER (WHERE s.status = 'stale') AS stale, "
            "count(*) FILTER (WHERE s.status = 'retired') AS retired, max(s.last_seen_at) AS last_seen_at, "
            "(SELECT count(*) FROM sensor_alarms AS a JOIN stations AS s ON s.id = a.station_id "
            f" WHERE a.created_at > now() - interval '1 day' AND {where}) AS alarms_24h "
            f"FROM stations AS s WHERE {where}"
        ),
        params,
    ).one()
    stations = {"active": row.active, "stale": row.stale, "retired": row.retired}
    return {"stations": stations, "last_seen_at": row.last_seen_at, "alarms_24h": row.alarms_24h}
