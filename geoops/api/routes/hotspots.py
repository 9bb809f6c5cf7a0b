"""Hotspots: FIRMS CSV in, GeoJSON out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from geoops.access.principal import Principal, Role
from geoops.api.audit import audit_write
from geoops.api.deps import BBoxDep, SessionDep, UserDep, require_roles
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.ingest.firms import ingest_firms
from geoops.store.hotspots import hotspots_geojson

router = APIRouter(prefix="/api/v1/hotspots", tags=["hotspots"])


@router.post(
    "",
    summary="Ingest a FIRMS CSV (any variant) sent as the request body",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def post_hotspots(
    request: Request,
    session: SessionDep,
    user: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))],
    source: Annotated[str, Query(max_length=200, description="Name recorded as the source")] = "http",
) -> dict[str, Any]:
    body = await request.body()  # the ingest runs off the event loop: streams keep flowing
    summary = await run_in_threadpool(ingest_firms, body, source=source, session=session)
    after = {"source": source, "inserted": summary.inserted, "rejected": summary.rejected}
    audit_write(user, "hotspots.ingest", "hotspots", after=after, session=session)
    return summary.as_dict()


@router.get("", response_class=GeoJSONResponse, summary="Hotspots as GeoJSON, oldest first")
def list_hotspots(
    session: SessionDep,
    user: UserDep,
    bbox: BBoxDep,
    after_id: Annotated[int, Query(ge=0, description="Only hotspots with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Any:
    return hotspots_geojson(session=session, after_id=after_id, bbox=bbox, limit=limit, scope=user.scope)
