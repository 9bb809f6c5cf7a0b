"""Incident reads: GeoJSON collections and one incident with evidence and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import NotFound
from geoops.store.geojson import BBox, bbox_clause, feature_collection


def incidents_geojson(
    *,
    session: Session,
    bbox: BBox | None = None,
    statuses: list[str] | None = None,
    since: datetime | None = None,
    ids: list[int] | None = None,
    limit: int = 10_000,
) -> dict[str, Any]:
    """Current (not merged-away) incidents as a FeatureCollection, built in SQL."""
    clauses = ["i.merged_into_id IS NULL"]
    params: dict[str, Any] = {"limit": limit}
    if bbox:
        clauses.append(bbox_clause("i.geom", bbox, params))
    if statuses:
        clauses.append("i.status = ANY(:statuses)")
        params["statuses"] = statuses
    if since:
        clauses.append("i.updated_at >= :since")
        params["since"] = since
    if ids is not None:
        clauses.append("i.id = ANY(:ids)")
        params["ids"] = ids
    return feature_collection("incidents_geojson", clauses, params, session=session)


def incident_detail(incident_id: int, *, session: Session) -> dict[str, Any]:
    """One incident as a Feature, with its evidence and its timeline (events)."""
    found = incidents_geojson(session=session, ids=[incident_id])["features"]
    if not found:
        merged = session.execute(
            sa.text("SELECT merged_into_id FROM incidents WHERE id = :id"), {"id": incident_id}
        ).scalar()
        if merged:
            raise NotFound(f"incident {incident_id} was merged into incident {merged}", merged_into=merged)
        raise NotFound(f"no incident {incident_id}")
    feature: dict[str, Any] = found[0]
    feature["properties"]["evidence"] = [
        dict(r)
        for r in session.execute(
            sa.text(
                "SELECT e.kind, e.hotspot_id, e.observed_at, h.satellite, h.instrument, h.frp, "
                "h.confidence, h.source FROM incident_evidence e "
                "LEFT JOIN hotspots h ON h.id = e.hotspot_id "
                "WHERE e.incident_id = :id ORDER BY e.observed_at, e.id"
            ),
            {"id": incident_id},
        ).mappings()
    ]
    feature["properties"]["timeline"] = [
        dict(r)
        for r in session.execute(
            sa.text(
                "SELECT id, kind, created_at, payload FROM events "
                "WHERE payload ->> 'incident_id' = :id ORDER BY id"
            ),
            {"id": str(incident_id)},
        ).mappings()
    ]
    return feature
