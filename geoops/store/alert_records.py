"""Alert rows and their push deliveries: written once (by dedup key), NOTIFY on commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geoops.store.tables import alerts, deliveries

ALERTS_CHANNEL = "geoops_alerts"  # a new alert: live streams read it
DELIVERIES_CHANNEL = "geoops_deliveries"  # a delivery is due: dispatchers claim it


@dataclass(frozen=True)
class Push:
    channel: str  # webhook, mqtt, email
    target: str
    subscription_id: int | None = None


@dataclass
class NewAlert:
    dedup_key: str
    reason: str
    recipient: str
    priority: str
    message: dict[str, Any]
    incident_id: int | None = None
    jurisdiction_id: int | None = None
    subscription_id: int | None = None
    user_id: int | None = None
    level: str | None = None
    event_id: int | None = None
    event_at: datetime | None = None
    previous_alert_id: int | None = None
    pushes: list[Push] = field(default_factory=list)


def insert_alerts(new: list[NewAlert], *, session: Session) -> list[int]:
    """Store alerts not stored before (by ``dedup_key``) with their deliveries, in one
    statement each; the ids of those stored now. Listeners are woken when the caller commits."""
    if not new:
        return []
    firsts: dict[str, NewAlert] = {}
    for alert in new:  # one alert per key, as the unique index has it
        firsts.setdefault(alert.dedup_key, alert)
    new = list(firsts.values())
    rows = [{k: v for k, v in vars(alert).items() if k != "pushes"} for alert in new]
    stored: dict[str, int] = dict(
        session.execute(
            insert(alerts)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(alerts.c.dedup_key, alerts.c.id)
        ).all()
    )
    pushes = [
        {
            "alert_id": stored[alert.dedup_key],
            "channel": p.channel,
            "target": p.target,
            "subscription_id": p.subscription_id,
            "idempotency_key": str(uuid.uuid4()),
        }
        for alert in new
        if alert.dedup_key in stored
        for p in alert.pushes
    ]
    if pushes:
        session.execute(sa.insert(deliveries), pushes)
        session.execute(sa.select(sa.func.pg_notify(DELIVERIES_CHANNEL, "")))
    if stored:
        session.execute(sa.select(sa.func.pg_notify(ALERTS_CHANNEL, str(max(stored.values())))))
    return sorted(int(i) for i in stored.values())


def acknowledge(alert_id: int, by: str, *, session: Session) -> datetime:
    """Record the first acknowledgement; a repeat keeps the first. Returns its time."""
    return session.execute(  # type: ignore[no-any-return]
        sa.text(
            "UPDATE alerts SET acked_at = coalesce(acked_at, now()), acked_by = coalesce(acked_by, :by) "
            "WHERE id = :id RETURNING acked_at"
        ),
        {"id": alert_id, "by": by},
    ).scalar_one()
