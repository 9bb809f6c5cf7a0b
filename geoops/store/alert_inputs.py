"""What the alert matcher reads: incidents as they stand, their jurisdictions, the
subscriptions that match them, what each recipient was told before, and its cursor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

PERIMETER_TOLERANCE_DEG = 0.0005  # ~50 m: CAP polygons stay small
PERIMETER_RINGS = 20


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    level: str
    parent_id: int | None


@dataclass(frozen=True)
class IncidentRow:
    id: int
    number: str
    status: str
    priority: str
    area_ha: float
    hotspot_count: int
    sources: tuple[str, ...]
    merged_into_id: int | None
    centroid: tuple[float, float] | None
    rings: tuple[list[tuple[float, float]], ...]
    settlement_km: float | None
    places: tuple[Place, ...]


def incident_rows(ids: Sequence[int], *, session: Session) -> dict[int, IncidentRow]:
    if not ids:
        return {}
    rows = session.execute(
        sa.text(
            "SELECT i.id, i.number, i.status, i.priority, i.area_ha, i.hotspot_count, i.sources, "
            "i.merged_into_id, ST_X(i.centroid) AS lon, ST_Y(i.centroid) AS lat, "
            "ST_AsGeoJSON(ST_SimplifyPreserveTopology(i.geom, :tol), 5) AS shape, "
            "(i.nearest_settlements -> 0 ->> 'distance_km')::float8 AS settlement_km, "
            "coalesce((SELECT jsonb_agg(jsonb_build_array(j.id, j.name, j.level, j.parent_id) "
            "ORDER BY j.level_rank DESC) FROM incident_jurisdictions AS ij "
            "JOIN jurisdictions AS j ON j.id = ij.jurisdiction_id WHERE ij.incident_id = i.id), '[]') AS places "
            "FROM incidents AS i WHERE i.id = ANY(:ids)"
        ),
        {"ids": list(ids), "tol": PERIMETER_TOLERANCE_DEG},
    ).mappings()
    return {int(r["id"]): _incident(r) for r in rows}


def _incident(r: Any) -> IncidentRow:
    return IncidentRow(
        id=int(r["id"]),
        number=r["number"],
        status=r["status"],
        priority=r["priority"],
        area_ha=float(r["area_ha"]),
        hotspot_count=int(r["hotspot_count"]),
        sources=tuple(r["sources"]),
        merged_into_id=r["merged_into_id"],
        centroid=None if r["lon"] is None else (float(r["lon"]), float(r["lat"])),
        rings=_outer_rings(r["shape"]),
        settlement_km=r["settlement_km"],
        places=tuple(Place(int(p[0]), p[1], p[2], p[3]) for p in r["places"]),
    )


def _outer_rings(shape: str | None) -> tuple[list[tuple[float, float]], ...]:
    """Exterior rings of the perimeter's polygons, largest (most vertices) first."""
    if not shape:
        return ()
    geometry = json.loads(shape)
    polygons = {"Polygon": [geometry["coordinates"]], "MultiPolygon": geometry["coordinates"]}.get(
        geometry["type"], []
    )
    rings = [[(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons if polygon]
    rings.sort(key=len, reverse=True)
    return tuple(r for r in rings[:PERIMETER_RINGS] if len(r) >= 4)


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    user_id: int
    name: str
    crew_id: int | None
    jurisdiction_id: int | None
    min_priority: str
    statuses: frozenset[str]
    categories: frozenset[str]
    channel: str
    target: str | None


_SUBSCRIPTION_COLUMNS = (
    "s.id, s.user_id, s.name, s.crew_id, s.jurisdiction_id, s.min_priority, s.statuses, "
    "s.categories, s.channel, s.target"
)


def _subscription(r: Any) -> SubscriptionRow:
    return SubscriptionRow(
        int(r.id), int(r.user_id), r.name, r.crew_id, r.jurisdiction_id, r.min_priority,
        frozenset(r.statuses), frozenset(r.categories), r.channel, r.target,
    )  # fmt: skip


def _subscriptions(where: str, params: dict[str, Any], *, session: Session, joined: str = "") -> list[Any]:
    """Active subscriptions of enabled users meeting ``where`` (with ``joined`` tables)."""
    return list(
        session.execute(
            sa.text(
                f"SELECT {_SUBSCRIPTION_COLUMNS}{', i.id AS incident_id' if joined else ''} FROM subscriptions AS s "
                f"JOIN users AS u ON u.id = s.user_id AND NOT u.disabled {joined} "
                f"WHERE s.active AND {where} ORDER BY s.id"
            ),
            params,
        )
    )


def _grouped(rows: list[Any], key: str) -> dict[int, list[SubscriptionRow]]:
    found: dict[int, list[SubscriptionRow]] = {}
    for r in rows:
        found.setdefault(int(getattr(r, key)), []).append(_subscription(r))
    return found


def area_subscriptions(incident_ids: Sequence[int], *, session: Session) -> dict[int, list[SubscriptionRow]]:
    """Active area subscriptions touching each incident's perimeter (or point)."""
    if not incident_ids:
        return {}
    rows = _subscriptions(
        "s.area IS NOT NULL AND i.id = ANY(:ids)", {"ids": list(incident_ids)}, session=session,
        joined="JOIN incidents AS i ON ST_Intersects(s.area, coalesce(i.geom, i.centroid))",
    )  # fmt: skip
    return _grouped(rows, "incident_id")


def standing_orders(jurisdiction_ids: Sequence[int], *, session: Session) -> dict[int, list[SubscriptionRow]]:
    """Active subscriptions of whole jurisdictions: they receive that level's alerts."""
    if not jurisdiction_ids:
        return {}
    rows = _subscriptions("s.jurisdiction_id = ANY(:ids)", {"ids": list(jurisdiction_ids)}, session=session)
    return _grouped(rows, "jurisdiction_id")


def crew_subscriptions(crew_id: int, *, session: Session) -> list[SubscriptionRow]:
    return [_subscription(r) for r in _subscriptions("s.crew_id = :crew", {"crew": crew_id}, session=session)]


def admin_subscriptions(*, session: Session) -> list[SubscriptionRow]:
    """Subscriptions of administrators: where alerting's own health alerts go."""
    return [_subscription(r) for r in _subscriptions("u.role = 'admin'", {}, session=session)]


@dataclass
class Told:
    """What one recipient was last told about one incident."""

    last_at: datetime  # the last new or update alert
    priority: str
    area_ha: float
    status: str = ""


def told_before(incident_ids: Sequence[int], *, session: Session) -> dict[tuple[int, str], Told]:
    """Per (incident, recipient): the latest new/update/merged alert and what it said."""
    if not incident_ids:
        return {}
    rows = session.execute(
        sa.text(
            "SELECT DISTINCT ON (incident_id, recipient) incident_id, recipient, created_at, priority, "
            "(message ->> 'area_ha')::float8 AS area_ha, message ->> 'incident_status' AS status FROM alerts "
            "WHERE incident_id = ANY(:ids) AND reason IN ('new', 'update', 'merged', 'status') "
            "ORDER BY incident_id, recipient, created_at DESC, id DESC"
        ),
        {"ids": list(incident_ids)},
    )
    return {
        (int(r.incident_id), r.recipient): Told(r.created_at, r.priority, float(r.area_ha or 0.0))
        for r in rows
    }


def claim_cursor(consumer: str, *, session: Session) -> int | None:
    """The consumer's position, locked for this transaction; None while another process
    holds it (SKIP LOCKED: that one is matching, this one need not wait)."""
    session.execute(
        sa.text("INSERT INTO event_cursors (consumer, last_event_id) VALUES (:c, 0) ON CONFLICT DO NOTHING"),
        {"c": consumer},
    )
    found = session.execute(
        sa.text("SELECT last_event_id FROM event_cursors WHERE consumer = :c FOR UPDATE SKIP LOCKED"),
        {"c": consumer},
    ).scalar()
    return None if found is None else int(found)


def advance_cursor(consumer: str, last_event_id: int, *, session: Session) -> None:
    session.execute(
        sa.text("UPDATE event_cursors SET last_event_id = :id, updated_at = now() WHERE consumer = :c"),
        {"c": consumer, "id": last_event_id},
    )
