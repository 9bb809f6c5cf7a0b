"""What an alert says, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a recipient is told: each reason is a separate alert (dedup key)."""

    NEW = "new"  # the incident entered the recipient's view (created, or confirmed)
    UPDATE = "update"  # it grew or its priority changed (throttled per recipient)
    MERGED = "merged"  # fires merged into one large fire
    STATUS = "status"  # contained, extinguished, dismissed, reopened
    ESCALATION = "escalation"  # nobody below acknowledged in time
    ASSIGNMENT = "assignment"  # a dispatcher assigned a crew
    HEALTH = "health"  # alerting itself is degraded (to administrators)


Ring = list[tuple[float, float]]  # (lon, lat) vertices, closed (first == last)


@dataclass(frozen=True)
class AlertMessage:
    """One alert as channels render it. Coordinates are (lon, lat) in EPSG:4326."""

    id: int
    reason: Reason
    created_at: datetime  # timezone-aware
    title: str
    text: str
    priority: str  # low, medium, high, critical
    recipient: str  # "jurisdiction:12", "subscription:5", "admins"
    recipient_name: str  # jurisdiction or subscription name, for people
    level: str | None = None  # the recipient's management level, "crew" or "personal"
    incident_id: int | None = None
    incident_number: str | None = None
    incident_status: str | None = None
    area_ha: float | None = None
    hotspot_count: int | None = None
    sources: tuple[str, ...] = ()
    centroid: tuple[float, float] | None = None
    perimeter: tuple[Ring, ...] = ()  # outer rings, simplified, for CAP <polygon>
    jurisdictions: tuple[str, ...] = ()  # names of the jurisdictions the incident lies in
    previous_alert_id: int | None = None  # the alert this one updates or escalates
    acked_at: datetime | None = None
    url: str | None = None  # the incident page
    extra: dict[str, Any] = field(default_factory=dict)


def alert_payload(message: AlertMessage) -> dict[str, Any]:
    """The JSON body of an alert on the webhook, MQTT and live channels."""
    return {
        "id": message.id,
        "reason": message.reason.value,
        "created_at": message.created_at.isoformat(),
        "title": message.title,
        "text": message.text,
        "priority": message.priority,
        "recipient": message.recipient,
        "recipient_name": message.recipient_name,
        "level": message.level,
        "incident": None
        if message.incident_id is None
        else {
            "id": message.incident_id,
            "number": message.incident_number,
            "status": message.incident_status,
            "area_ha": message.area_ha,
            "hotspot_count": message.hotspot_count,
            "sources": list(message.sources),
            "longitude": None if message.centroid is None else message.centroid[0],
            "latitude": None if message.centroid is None else message.centroid[1],
            "jurisdictions": list(message.jurisdictions),
        },
        "previous_alert_id": message.previous_alert_id,
        "acked_at": None if message.acked_at is None else message.acked_at.isoformat(),
        "url": message.url,
        **message.extra,
    }


_STORED = ("title", "text", "priority", "recipient", "recipient_name", "level", "incident_id",
           "incident_number", "incident_status", "area_ha", "hotspot_count", "previous_alert_id", "url")  # fmt: skip


def message_record(message: AlertMessage) -> dict[str, Any]:
    """The JSON stored in ``alerts.message`` (everything but id, times and ack)."""
    record = {name: getattr(message, name) for name in _STORED}
    record.update(
        reason=message.reason.value,
        sources=list(message.sources),
        centroid=None if message.centroid is None else list(message.centroid),
        perimeter=[[list(p) for p in ring] for ring in message.perimeter],
        jurisdictions=list(message.jurisdictions),
        extra=message.extra,
    )
    return record


def message_from_record(
    alert_id: int, created_at: datetime, record: dict[str, Any], acked_at: datetime | None = None
) -> AlertMessage:
    centroid = record.get("centroid")
    return AlertMessage(
        id=alert_id,
        created_at=created_at,
        reason=Reason(record["reason"]),
        sources=tuple(record.get("sources") or ()),
        centroid=None if centroid is None else (float(centroid[0]), float(centroid[1])),
        perimeter=tuple([(float(x), float(y)) for x, y in ring] for ring in record.get("perimeter") or ()),
        jurisdictions=tuple(record.get("jurisdictions") or ()),
        extra=dict(record.get("extra") or {}),
        acked_at=acked_at,
        **_stored(record),
    )


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record.get(name) for name in _STORED}
