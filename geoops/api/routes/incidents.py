"""Incidents: the registry of fires as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from geoops.api.deps import BBoxDep, SessionDep
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.domain import IncidentStatus
from geoops.store.incidents import incident_detail, incidents_geojson

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.get("", response_class=GeoJSONResponse, summary="Incidents as a GeoJSON FeatureCollection")
def list_incidents(
    session: SessionDep,
    bbox: BBoxDep,
    status: Annotated[list[IncidentStatus] | None, Query(description="Repeat to allow several")] = None,
    since: Annotated[datetime | None, Query(description="Changed at or after (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Any:
    statuses = [s.value for s in status] if status else None
    return incidents_geojson(session=session, bbox=bbox, statuses=statuses, since=since, limit=limit)


@router.get(
    "/{incident_id}",
    response_class=GeoJSONResponse,
    summary="One incident with evidence and timeline",
)
def get_incident(session: SessionDep, incident_id: Annotated[int, Path(ge=1)]) -> Any:
    return incident_detail(incident_id, session=session)
