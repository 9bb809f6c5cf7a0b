"""Crews: bases and availability; suggestions for an incident; assignment with one action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, ConfigDict, Field

from geoops.access.principal import Principal, Role
from geoops.alerts.assignment import assign_and_alert
from geoops.alerts.matcher import MatchConfig
from geoops.api.deps import SessionDep, SettingsDep, UserDep, require_roles
from geoops.store.crews import crews, set_available, suggest_crews, upsert_crew
from geoops.store.incidents import incident_detail

router = APIRouter(tags=["crews"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class NewCrew(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    longitude: float = Field(ge=-180, le=180, description="Base")
    latitude: float = Field(ge=-90, le=90)
    available: bool = True
    jurisdiction_id: int | None = None
    user_id: int | None = Field(default=None, description="The crew's account: its live page gets its alerts")
    contact: str | None = Field(default=None, max_length=500)


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")
    available: bool


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crew_id: int = Field(ge=1)


@router.get("/api/v1/crews", summary="Crews with base, availability and workload")
def list_crews(session: SessionDep, user: UserDep) -> dict[str, Any]:
    return {"crews": crews(session=session)}


@router.post("/api/v1/crews", status_code=status.HTTP_201_CREATED, summary="Add (or update by name) a crew")
def add_crew(session: SessionDep, user: Dispatcher, new: NewCrew) -> dict[str, Any]:
    return upsert_crew(new.model_dump(), session=session)


@router.patch("/api/v1/crews/{crew_id}", summary="Set a crew's availability (crews and dispatchers)")
def patch_crew(session: SessionDep, user: UserDep, crew_id: Id, change: Availability) -> dict[str, Any]:
    user.require(Role.DISPATCHER, Role.CREW)
    return set_available(crew_id, change.available, session=session)


@router.get(
    "/api/v1/incidents/{incident_id}/crews",
    summary="Nearest available crews, ranked by distance and workload",
)
def crew_suggestions(session: SessionDep, user: UserDep, incident_id: IncidentId) -> dict[str, Any]:
    incident_detail(incident_id, session=session, scope=user.scope)  # NotFound outside the caller's scope
    return {"suggestions": suggest_crews(incident_id, session=session)}


@router.post(
    "/api/v1/incidents/{incident_id}/crews",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a crew to the incident; the crew is alerted",
)
def assign(
    session: SessionDep, settings: SettingsDep, user: Dispatcher, incident_id: IncidentId, body: Assignment
) -> dict[str, Any]:
    incident_detail(incident_id, session=session, scope=user.scope)
    alert_id = assign_and_alert(
        incident_id, body.crew_id, user.name, MatchConfig.from_settings(settings), session=session
    )
    return {"incident_id": incident_id, "crew_id": body.crew_id, "alert_id": alert_id}
