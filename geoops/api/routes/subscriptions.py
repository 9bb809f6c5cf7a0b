"""Subscriptions: who gets what beyond the level rules (area, priority, statuses,
sources, one channel), and standing orders of a jurisdiction."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import shapely
from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from shapely.geometry import shape
from shapely.validation import explain_validity

from geoops.access.principal import Principal, Role
from geoops.alerts.channels.webhook import refused_at_once
from geoops.api.deps import SessionDep, SettingsDep, UserDep
from geoops.errors import Forbidden, InvalidInput
from geoops.store.subscriptions import (
    create_subscription,
    delete_subscription,
    subscription,
    subscriptions_of,
)

router = APIRouter(prefix="/api/v1/subscriptions", tags=["alerts"])
Priority = Literal["low", "medium", "high", "critical"]
Status = Literal["suspected", "confirmed", "contained", "extinguished", "dismissed"]
MAX_AREA_VERTICES = 10_000


def _confirmed() -> list[Status]:
    return ["confirmed"]


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)
    radius_m: float = Field(gt=0, le=500_000, description="Radius of the area around the point, metres")


class NewSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    area: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon or MultiPolygon (EPSG:4326)"
    )
    point: Point | None = Field(default=None, description="...or a point and a radius")
    jurisdiction_id: int | None = Field(
        default=None, description="...or a jurisdiction of yours: receive its level's alerts (standing order)"
    )
    min_priority: Priority = "low"
    statuses: list[Status] = Field(default_factory=_confirmed, min_length=1)
    categories: list[Literal["satellite", "sensor", "report"]] = Field(
        default_factory=list, description="Sources the incident must have (any); empty: all"
    )
    channel: Literal["live", "webhook", "mqtt", "email"] = "live"
    target: str | None = Field(
        default=None, max_length=2000, description="Webhook URL, e-mail address, MQTT topic"
    )
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Webhook HMAC key; generated if not given"
    )
    crew_id: int | None = Field(default=None, description="The crew this subscription alerts")

    @model_validator(mode="after")
    def one_place(self) -> NewSubscription:
        given = sum(x is not None for x in (self.area, self.point, self.jurisdiction_id))
        if given != 1:
            raise ValueError("give exactly one of area, point (with radius_m) or jurisdiction_id")
        return self


def _check_area(area: dict[str, Any]) -> None:
    if area.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput("area must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(area)
    except (KeyError, TypeError, ValueError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InvalidInput(f"area is not valid GeoJSON: {exc}") from exc
    if shapely.get_num_coordinates(geometry) > MAX_AREA_VERTICES:
        raise InvalidInput(f"area has more than {MAX_AREA_VERTICES} vertices")
    if geometry.is_empty or not geometry.is_valid:
        raise InvalidInput(f"area is not a valid polygon: {explain_validity(geometry)}")
    x0, y0, x1, y1 = geometry.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidInput("area must be in longitude/latitude (EPSG:4326)")


def _check_target(new: NewSubscription, *, allow_private: bool) -> None:
    target = new.target
    if new.channel == "live":
        if target:
            raise InvalidInput("a live subscription has no target")
    elif new.channel == "webhook":
        url = urlsplit(target or "")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise InvalidInput("a webhook needs target: an http(s) URL")
        refused = None if allow_private else refused_at_once(str(target))
        if refused:
            raise InvalidInput(f"webhooks to private addresses are not allowed here ({refused})")
    elif new.channel == "email":
        if not target or "@" not in target or any(c in target for c in " \r\n,;"):
            raise InvalidInput("an e-mail subscription needs target: one address")
    elif target and (any(c in target for c in "#+\0") or target.startswith("$")):
        raise InvalidInput("an MQTT target must be a topic without wildcards")


@router.post("", status_code=status.HTTP_201_CREATED, summary="Subscribe to alerts")
def subscribe(
    session: SessionDep, user: UserDep, settings: SettingsDep, new: NewSubscription
) -> dict[str, Any]:
    if new.area is not None:
        _check_area(new.area)
    _check_target(new, allow_private=settings.webhook_allow_private)
    if (
        new.jurisdiction_id is not None
        and user.role is not Role.ADMIN
        and new.jurisdiction_id not in user.jurisdiction_ids
    ):
        raise Forbidden("a standing order needs one of your own jurisdictions")
    if new.crew_id is not None:
        user.require(Role.DISPATCHER, Role.CREW)
    secret = new.secret or (secrets.token_urlsafe(32) if new.channel == "webhook" else None)
    values = new.model_dump(exclude={"point", "secret"})
    values.update(user_id=user.user_id, secret=secret)
    if new.point is not None:
        values.update(point=(new.point.longitude, new.point.latitude), radius_m=new.point.radius_m)
    created = create_subscription(values, session=session)
    if secret and not new.secret:
        created["secret"] = secret  # shown once: sign-checking receivers need it
    return created


def _owner(user: Principal) -> int | None:
    return None if user.role is Role.ADMIN else user.user_id


@router.get("", summary="Your subscriptions (administrators: everyone's)")
def list_subscriptions(session: SessionDep, user: UserDep) -> dict[str, Any]:
    return {"subscriptions": subscriptions_of(_owner(user), session=session)}


@router.get("/{subscription_id}", summary="One subscription")
def get_subscription(
    session: SessionDep, user: UserDep, subscription_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return subscription(subscription_id, _owner(user), session=session)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Unsubscribe")
def unsubscribe(
    session: SessionDep, user: UserDep, subscription_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> None:
    delete_subscription(subscription_id, _owner(user), session=session)
