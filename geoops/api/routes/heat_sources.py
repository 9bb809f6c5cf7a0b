"""Heat-source candidates: spots learned from persistent detections, for clerks to decide."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from geoops.access.principal import Principal, Role
from geoops.api.deps import SessionDep, SettingsDep, UserDep, require_roles
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.store.heat_source_candidates import accept_candidate, list_candidates, reject_candidate

router = APIRouter(prefix="/api/v1/heat-source-candidates", tags=["heat sources"])
ClerkDep = Annotated[Principal, Depends(require_roles(Role.CLERK))]
CandidateId = Annotated[int, Path(ge=1)]


class CandidateStatus(StrEnum):
    CANDIDATE = "candidate"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000, description="Why; kept with the decision")


@router.get("", response_class=GeoJSONResponse, summary="Heat-source candidates, newest first")
def get_candidates(
    session: SessionDep,
    user: UserDep,
    status: Annotated[CandidateStatus, Query(description="Which decision state")] = CandidateStatus.CANDIDATE,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Any:
    return list_candidates(status.value, session=session, scope=user.scope, limit=limit)


@router.post(
    "/{candidate_id}/accept",
    response_class=GeoJSONResponse,
    summary="Accept a candidate into the heat-source layer (clerks)",
)
def post_accept(
    session: SessionDep,
    settings: SettingsDep,
    user: ClerkDep,
    candidate_id: CandidateId,
    decision: Decision | None = None,
) -> Any:
    return accept_candidate(
        candidate_id, layer=settings.heat_source_layer, actor_id=user.user_id, actor_name=user.name,
        note=decision.note if decision else None, session=session, scope=user.scope,
    )  # fmt: skip


@router.post("/{candidate_id}/reject", response_class=GeoJSONResponse, summary="Reject a candidate (clerks)")
def post_reject(
    session: SessionDep, user: ClerkDep, candidate_id: CandidateId, decision: Decision | None = None
) -> Any:
    return reject_candidate(
        candidate_id, actor_id=user.user_id, actor_name=user.name,
        note=decision.note if decision else None, session=session, scope=user.scope,
    )  # fmt: skip
