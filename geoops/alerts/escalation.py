"""Escalation: an urgent alert nobody acknowledged in time goes one level up, and the
incident's timeline says so. The escalation is an alert itself, so it escalates further
if the level above does not acknowledge it either."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from geoops.alerts.matcher import MatchConfig, current_facts, incident_message, pushes_for
from geoops.alerts.message import Reason, message_record
from geoops.domain import EventKind
from geoops.store.alert_checks import mark_escalated, overdue_alerts
from geoops.store.alert_inputs import incident_rows, standing_orders
from geoops.store.alert_records import NewAlert, insert_alerts
from geoops.store.events import append_events


def escalate_overdue(config: MatchConfig, minutes: float, *, session: Session) -> list[int]:
    """Escalate every overdue alert; the ids of the escalation alerts stored."""
    overdue = overdue_alerts(minutes, session=session)
    if not overdue:
        return []
    incidents = incident_rows(
        sorted({int(a["incident_id"]) for a in overdue if a["incident_id"]}), session=session
    )
    upper = [a for a in overdue if a["parent_id"] is not None and _escalates_to(a["parent_level"], config)]
    orders = standing_orders(sorted({int(a["parent_id"]) for a in upper}), session=session)
    new: list[NewAlert] = []
    events: list[tuple[str, dict[str, Any]]] = []
    for alert in upper:
        incident = incidents.get(alert["incident_id"])
        if incident is None:
            continue
        waited = round((datetime.now(alert["created_at"].tzinfo) - alert["created_at"]).total_seconds() / 60)
        message = incident_message(
            incident,
            current_facts(incident),
            Reason.ESCALATION,
            f"jurisdiction:{alert['parent_id']}",
            alert["parent_name"],
            alert["parent_level"],
            config.public_url,
            extra=str(waited),
            previous_alert_id=alert["id"],
        )
        new.append(
            NewAlert(
                dedup_key=f"escalation:{alert['id']}",
                reason=Reason.ESCALATION.value,
                recipient=message.recipient,
                priority=incident.priority,
                message=message_record(message),
                incident_id=incident.id,
                jurisdiction_id=alert["parent_id"],
                level=alert["parent_level"],
                previous_alert_id=alert["id"],
                pushes=pushes_for(alert["parent_id"], None, orders, mqtt=config.mqtt),
            )
        )
        events.append(
            (
                EventKind.INCIDENT_ESCALATED,
                {
                    "incident_id": incident.id,
                    "number": incident.number,
                    "alert_id": alert["id"],
                    "from_jurisdiction": alert["jurisdiction_id"],
                    "from": alert["message"].get("recipient_name"),
                    "to_jurisdiction": alert["parent_id"],
                    "to": alert["parent_name"],
                    "unacknowledged_minutes": waited,
                },
            )
        )
    stored = insert_alerts(new, session=session)
    append_events(events, session=session)
    mark_escalated([int(a["id"]) for a in overdue], session=session)
    return stored


def _escalates_to(level: str, config: MatchConfig) -> bool:
    """Levels with a rule take escalations unless it says not to; levels without one do."""
    rule = config.rules.get(level)
    return rule is None or rule.escalations
