"""Subscriptions: stored with their area (a point and radius become a geodesic buffer)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import NotFound

_COLUMNS = (
    "s.id, s.user_id, u.name AS user_name, s.name, s.crew_id, s.jurisdiction_id, "
    "ST_AsGeoJSON(s.area, 6)::json AS area, s.min_priority, s.statuses, s.categories, s.channel, "
    "s.target, s.secret IS NOT NULL AS signed, s.active, s.created_at"
)


def create_subscription(values: dict[str, Any], *, session: Session) -> dict[str, Any]:
    """``values``: user_id, name, channel, target, secret, crew_id, jurisdiction_id,
    min_priority, statuses, categories, and either ``area`` (GeoJSON) or ``point``
    (lon, lat) with ``radius_m``, or neither (a standing order of the jurisdiction)."""
    params = dict(values)
    params["area"] = json.dumps(values["area"]) if values.get("area") else None
    point = values.get("point")
    params["lon"], params["lat"] = point if point else (None, None)
    params.setdefault("radius_m", None)
    new_id = session.execute(
        sa.text(
            "INSERT INTO subscriptions (user_id, name, crew_id, jurisdiction_id, area, min_priority, statuses, "
            "categories, channel, target, secret) VALUES (:user_id, :name, :crew_id, :jurisdiction_id, "
            "CASE WHEN CAST(:area AS text) IS NOT NULL THEN ST_SetSRID(ST_GeomFromGeoJSON(CAST(:area AS text)), 4326) "
            "WHEN CAST(:lon AS float8) IS NOT NULL THEN ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, "
            ":radius_m)::geometry END, :min_priority, :statuses, :categories, :channel, :target, :secret) RETURNING id"
        ),
        params,
    ).scalar_one()
    return subscription(int(new_id), None, session=session)


def subscriptions_of(user_id: int | None, *, session: Session) -> list[dict[str, Any]]:
    """A user's subscriptions; every one for None (administrators)."""
    rows = session.execute(
        sa.text(
            f"SELECT {_COLUMNS} FROM subscriptions AS s JOIN users AS u ON u.id = s.user_id "
            "WHERE CAST(:user AS integer) IS NULL OR s.user_id = :user ORDER BY s.id"
        ),
        {"user": user_id},
    ).mappings()
    return [dict(r) for r in rows]


def subscription(subscription_id: int, user_id: int | None, *, session: Session) -> dict[str, Any]:
    row = (
        session.execute(
            sa.text(
                f"SELECT {_COLUMNS} FROM subscriptions AS s JOIN users AS u ON u.id = s.user_id "
                "WHERE s.id = :id AND (CAST(:user AS integer) IS NULL OR s.user_id = :user)"
            ),
            {"id": subscription_id, "user": user_id},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"no subscription {subscription_id} of yours")
    return dict(row)


def delete_subscription(subscription_id: int, user_id: int | None, *, session: Session) -> None:
    deleted = session.execute(
        sa.text(
            "DELETE FROM subscriptions WHERE id = :id AND (CAST(:user AS integer) IS NULL OR user_id = :user) "
            "RETURNING id"
        ),
        {"id": subscription_id, "user": user_id},
    ).scalar()
    if deleted is None:
        raise NotFound(f"no subscription {subscription_id} of yours")
