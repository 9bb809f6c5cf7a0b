"""Incident reads: GeoJSON collections and one incident with evidence and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import NotFound
from geoops.store.geojson import BBox, bbox_clause, feature_collection
from geoops.store.scope import Scope, incident_clause
from geoops.store.sqlfiles import load_sql


def incidents_geojson(
    *,
    session: Session,
    bbox: BBox | None = None,
    statuses: list[str] | None = None,
    since: datetime | None = None,
    ids: list[int] | None = None,
    limit: int = 10_000,
    scope: Scope = None,
) -> dict[str, Any]:
    """Current (not merged-away) incidents in ``scope`` as a FeatureCollection, built in SQL."""
    params: dict[str, Any] = {"limit": limit}
    clauses = ["i.merged_into_id IS NULL", incident_clause("i.id", scope, params)]
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


def incident_detail(incident_id: int, *, session: Session, scope: Scope = None) -> dict[str, Any]:
    """One incident as a Feature, with its evidence and its timeline (events). Outside
    ``scope`` it is NotFound, exactly as if it did not exist."""
    found = incidents_geojson(session=session, ids=[incident_id], scope=scope)["features"]
    if not found:
        params: dict[str, Any] = {"id": incident_id}
        visible = incident_clause("id", scope, params)
        merged = session.execute(
            sa.text(f"SELECT merged_into_id FROM incidents WHERE id = :id AND {visible}"), params
        ).scalar()
        if merged:
            raise NotFound(f"incident {incident_id} was merged into incident {merged}", merged_into=merged)
        raise NotFound(f"no incident {incident_id}")
    feature: dict[str, Any] = found[0]
    feature["properties"]["evidence"] = [
        dict(r)
        for r in session.execute(
            sa.text(load_sql("geoops.store", "incident_evidence")), {"id": incident_id}
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


def perimeter_history(incident_id: int, *, session: Session, scope: Scope = None) -> dict[str, Any]:
    """The perimeters an incident had, oldest first, as a FeatureCollection (NotFound
    outside ``scope``); each feature says when, the area and the growth since the one before."""
    params: dict[str, Any] = {"id": incident_id}
    visible = incident_clause("i.id", scope, params)
    found = session.execute(sa.text(f"SELECT 1 FROM incidents AS i WHERE i.id = :id AND {visible}"), params)
    if found.scalar() is None:
        raise NotFound(f"no incident {incident_id}")
    collection: dict[str, Any] = session.execute(
        sa.text(load_sql("geoops.store", "perimeter_history_geojson")), {"id": incident_id}
    ).scalar_one()
    return collection


def lock_incident(incident_id: int, *, scope: Scope, session: Session) -> sa.Row[Any] | None:
    """Status, number and merge target of an incident in ``scope``, locked for update."""
    params: dict[str, Any] = {"id": incident_id}
    visible = incident_clause("i.id", scope, params)
    return session.execute(
        sa.text(
            "SELECT i.status, i.number, i.merged_into_id FROM incidents AS i "
            f"WHERE i.id = :id AND {visible} FOR UPDATE"
        ),
        params,
    ).one_or_none()
