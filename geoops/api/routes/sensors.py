"""Sensor stations and observations: JSON in (summaries), GeoJSON out, feed status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from geoops.access.principal import Principal, Role
from geoops.api.audit import audit_write
from geoops.api.deps import BBoxDep, SessionDep, SettingsDep, UserDep, require_roles
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.detect.sensor_rules import check_stored_batch
from geoops.errors import InvalidInput, NotFound, UnusableInput
from geoops.ingest.mqtt_feed import FeedStatus, MqttFeed
from geoops.ingest.sensor_formats import FORMATS, MalformedPayload, decode_json, rows_from_document
from geoops.ingest.sensors import ingest_observations, ingest_stations
from geoops.sensor_workers import sensor_rules
from geoops.store.observations import recent_observations
from geoops.store.stations import get_station, sensor_overview, stations_geojson

router = APIRouter(prefix="/api/v1", tags=["sensors"])
Writer = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]
JSON_BODY = {"requestBody": {"content": {"application/json": {"schema": {"type": ["array", "object"]}}}}}


async def json_items(request: Request) -> list[Any]:
    """The body as a list of items: a JSON array, or one object; anything else is unusable."""
    try:
        doc = decode_json(await request.body())
    except MalformedPayload as exc:
        raise UnusableInput(f"the body is {exc}") from None
    if not isinstance(doc, list | dict):
        raise UnusableInput("the body must be a JSON array of objects, or one object")
    return doc if isinstance(doc, list) else [doc]


@router.post(
    "/stations", summary="Register or update stations (a JSON array, or one object)", openapi_extra=JSON_BODY
)
async def post_stations(request: Request, session: SessionDep, user: Writer) -> dict[str, Any]:
    summary = ingest_stations(await json_items(request), session=session, scope=user.scope)
    after = {"inserted": summary.inserted, "updated": summary.updated, "rejected": summary.rejected}
    audit_write(user, "stations.ingest", "stations", after=after, session=session)
    return summary.as_dict()


@router.post(
    "/observations",
    summary="Store readings: a JSON array of {station_id, observed_at, property, value, unit}",
    openapi_extra=JSON_BODY,
)
async def post_observations(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Writer,
    format: Annotated[
        str | None, Query(description=f"One of {', '.join(FORMATS)}; default: told by each item's keys")
    ] = None,
) -> dict[str, Any]:
    if format is not None and format not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    parsed = rows_from_document(await json_items(request), fmt=format)
    summary = ingest_observations(
        parsed.rows,
        lines=parsed.lines,
        prior_errors=parsed.errors,
        scope=user.scope,
        source="http",
        session=session,
    )
    alarms = check_stored_batch(sensor_rules(settings), session=session) if summary.inserted else []
    after = {"inserted": summary.inserted, "rejected": summary.rejected, "alarms": len(alarms)}
    audit_write(user, "observations.ingest", "observations", after=after, session=session)
    return summary.as_dict()


@router.get("/stations", response_class=GeoJSONResponse, summary="Stations in your territory as GeoJSON")
def list_stations(
    session: SessionDep,
    user: UserDep,
    bbox: BBoxDep,
    status: Annotated[str | None, Query(pattern="^(active|stale|retired)$")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Any:
    return stations_geojson(session=session, scope=user.scope, bbox=bbox, status=status, limit=limit)


@router.get(
    "/stations/{station_id}",
    response_class=GeoJSONResponse,
    summary="One station with its jurisdictions, latest reading of each property and recent alarms",
)
def one_station(station_id: str, session: SessionDep, user: UserDep) -> Any:
    return _station(station_id, session, user)


@router.get("/stations/{station_id}/observations", summary="A station's readings, newest first")
def station_observations(
    station_id: str,
    session: SessionDep,
    user: UserDep,
    since: Annotated[datetime | None, Query(description="Only readings after this time")] = None,
    property: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1000,
) -> list[dict[str, Any]]:
    _station(station_id, session, user)
    return recent_observations(station_id, session=session, since=since, prop=property, limit=limit)


@router.get("/sensors/status", summary="The MQTT feed (connected, counters) and station counts")
def sensors_status(request: Request, session: SessionDep, user: UserDep) -> dict[str, Any]:
    feed: MqttFeed | None = getattr(request.app.state, "mqtt_feed", None)
    mqtt = feed.status() if feed else FeedStatus(configured=False)
    return {"mqtt": mqtt.as_dict(), **sensor_overview(session=session, scope=user.scope)}


def _station(station_id: str, session: Session, user: Principal) -> dict[str, Any]:
    station = get_station(station_id, session=session, scope=user.scope)
    if station is None:  # missing or outside the caller's territory: the same answer
        raise NotFound(f"no station {station_id!r}")
    return station
