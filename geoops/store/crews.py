"""Crews: bases and availability as data; suggestions for an incident; assignments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import Conflict, NotFound

_COLUMNS = (
    "c.id, c.name, ST_X(c.base) AS longitude, ST_Y(c.base) AS latitude, c.available, c.jurisdiction_id, "
    "c.user_id, c.contact, (SELECT count(*) FROM crew_assignments AS a JOIN incidents AS i ON i.id = a.incident_id "
    "WHERE a.crew_id = c.id AND a.released_at IS NULL AND i.status IN ('suspected', 'confirmed')) AS workload"
)


def crews(*, session: Session) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in session.execute(sa.text(f"SELECT {_COLUMNS} FROM crews AS c ORDER BY c.name")).mappings()
    ]


def crew(crew_id: int, *, session: Session) -> dict[str, Any]:
    row = session.execute(
        sa.text(f"SELECT {_COLUMNS} FROM crews AS c WHERE c.id = :id"), {"id": crew_id}
    ).mappings()
    found = row.one_or_none()
    if found is None:
        raise NotFound(f"no crew {crew_id}")
    return dict(found)


def upsert_crew(values: dict[str, Any], *, session: Session) -> dict[str, Any]:
    """Insert a crew, or update the one of that name (a loaded file can be loaded again)."""
    crew_id = session.execute(
        sa.text(
            "INSERT INTO crews (name, base, available, jurisdiction_id, user_id, contact) VALUES "
            "(:name, ST_SetSRID(ST_MakePoint(:longitude, :latitude), 4326), :available, :jurisdiction_id, "
            ":user_id, :contact) ON CONFLICT (name) DO UPDATE SET base = EXCLUDED.base, "
            "available = EXCLUDED.available, jurisdiction_id = EXCLUDED.jurisdiction_id, "
            "user_id = EXCLUDED.user_id, contact = EXCLUDED.contact RETURNING id"
        ),
        {"available": True, "jurisdiction_id": None, "user_id": None, "contact": None, **values},
    ).scalar_one()
    return crew(int(crew_id), session=session)


def set_available(crew_id: int, available: bool, *, session: Session) -> dict[str, Any]:
    if (
        session.execute(
            sa.text("UPDATE crews SET available = :a WHERE id = :id RETURNING id"),
            {"id": crew_id, "a": available},
        ).scalar()
        is None
    ):
        raise NotFound(f"no crew {crew_id}")
    return crew(crew_id, session=session)


def suggest_crews(incident_id: int, *, session: Session, limit: int = 5) -> list[dict[str, Any]]:
    """Available crews nearest the incident, ranked by distance weighted by workload (each
    active assignment counts as 50 % more road)."""
    rows = session.execute(
        sa.text(
            f"WITH c AS (SELECT {_COLUMNS}, ST_Distance(c.base::geography, coalesce(i.geom, i.centroid)::geography) "
            "/ 1000 AS distance_km FROM crews AS c, incidents AS i WHERE i.id = :incident AND c.available) "
            "SELECT *, round((distance_km * (1 + 0.5 * workload))::numeric, 1)::float8 AS rank_km "
            "FROM c ORDER BY rank_km, distance_km, name LIMIT :limit"
        ),
        {"incident": incident_id, "limit": limit},
    ).mappings()
    return [{**dict(r), "distance_km": round(float(r["distance_km"]), 1)} for r in rows]


def assign_crew(incident_id: int, crew_id: int, by: str, *, session: Session) -> int:
    """Assign; Conflict when the crew is on this incident already."""
    assignment = session.execute(
        sa.text(
            "INSERT INTO crew_assignments (incident_id, crew_id, assigned_by) VALUES (:i, :c, :by) "
            "ON CONFLICT DO NOTHING RETURNING id"
        ),
        {"i": incident_id, "c": crew_id, "by": by},
    ).scalar()
    if assignment is None:
        raise Conflict(f"crew {crew_id} is assigned to incident {incident_id} already")
    return int(assignment)
