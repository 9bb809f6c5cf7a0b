"""Incidents: the registry of fires as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from geoops.access.principal import Principal, Role
from geoops.api.deps import BBoxDep, SessionDep, UserDep, require_roles
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.detect.lifecycle import change_status
from geoops.domain import IncidentStatus
from geoops.store.incidents import incident_detail, incidents_geojson, perimeter_history

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.get("", response_class=GeoJSONResponse, summary="Incidents as a GeoJSON FeatureCollection")
def list_incidents(
    session: SessionDep,
    user: UserDep,
    bbox: BBoxDep,
    status: Annotated[list[IncidentStatus] | None, Query(description="Repeat to allow several")] = None,
    since: Annotated[datetime | None, Query(description="Changed at or after (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Any:
    statuses = [s.value for s in status] if status else None
    return incidents_geojson(
        session=session, bbox=bbox, statuses=statuses, since=since, limit=limit, scope=user.scope
    )


@router.get(
    "/{incident_id}",
    response_class=GeoJSONResponse,
    summary="One incident with evidence and timeline",
)
def get_incident(session: SessionDep, user: UserDep, incident_id: Annotated[int, Path(ge=1)]) -> Any:
    return incident_detail(incident_id, session=session, scope=user.scope)


@router.get(
    "/{incident_id}/perimeters",
    response_class=GeoJSONResponse,
    summary="The incident's perimeter after each pass that grew it, oldest first",
)
def get_perimeters(session: SessionDep, user: UserDep, incident_id: Annotated[int, Path(ge=1)]) -> Any:
    return perimeter_history(incident_id, session=session, scope=user.scope)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: IncidentStatus
    reason: str = Field(min_length=1, max_length=2000, description="Why; shown on the timeline")


@router.patch(
    "/{incident_id}", response_class=GeoJSONResponse, summary="Change an incident's status (dispatchers)"
)
def patch_incident(
    session: SessionDep,
    user: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))],
    incident_id: Annotated[int, Path(ge=1)],
    change: StatusChange,
) -> Any:
    change_status(
        incident_id, change.status, change.reason, actor_id=user.user_id, actor_name=user.name,
        scope=user.scope, session=session,
    )  # fmt: skip
    return incident_detail(incident_id, session=session, scope=user.scope)
