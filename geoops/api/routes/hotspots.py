"""Hotspots: FIRMS CSV in, GeoJSON out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from geoops.api.deps import BBoxDep, SessionDep
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.errors import UnusableInput
from geoops.ingest.firms import ingest_firms
from geoops.store.hotspots import hotspots_geojson

router = APIRouter(prefix="/api/v1/hotspots", tags=["hotspots"])
MAX_BODY = 200 * 1024 * 1024


@router.post(
    "",
    summary="Ingest a FIRMS CSV (any variant) sent as the request body",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def post_hotspots(
    request: Request,
    session: SessionDep,
    source: Annotated[str, Query(max_length=200, description="Name recorded as the source")] = "http",
) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise UnusableInput(f"body larger than {MAX_BODY // 2**20} MiB")
    return ingest_firms(body, source=source, session=session).as_dict()


@router.get("", response_class=GeoJSONResponse, summary="Hotspots as GeoJSON, oldest first")
def list_hotspots(
    session: SessionDep,
    bbox: BBoxDep,
    after_id: Annotated[int, Query(ge=0, description="Only hotspots with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Any:
    return hotspots_geojson(session=session, after_id=after_id, bbox=bbox, limit=limit)
