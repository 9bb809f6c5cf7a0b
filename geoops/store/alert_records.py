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
    """Store alerts not stored before (by ``dedup_key``) with their deliveries; the ids of
    those stored now. Listeners are woken when the caller commits."""
    stored: list[int] = []
    pushes: list[dict[str, Any]] = []
    for alert in new:
        values = {k: v for k, v in vars(alert).items() if k != "pushes"}
        alert_id = session.execute(
            insert(alerts)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(alerts.c.id)
        ).scalar()
        if alert_id is None:
            continue
        stored.append(int(alert_id))
        pushes += [
            {"alert_id": alert_id, "channel": p.channel, "target": p.target,
             "subscription_id": p.subscription_id, "idempotency_key": str(uuid.uuid4())}
            for p in alert.pushes
        ]  # fmt: skip
    if pushes:
        session.execute(sa.insert(deliveries), pushes)
        session.execute(sa.select(sa.func.pg_notify(DELIVERIES_CHANNEL, "")))
    if stored:
        session.execute(sa.select(sa.func.pg_notify(ALERTS_CHANNEL, str(max(stored)))))
    return stored
