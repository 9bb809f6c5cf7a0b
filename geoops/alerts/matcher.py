"""The matcher: reads incident events from the outbox and turns them into alerts.

One matcher works at a time across all processes (its cursor row is locked with SKIP
LOCKED; others skip the round). Alerts and the cursor move in one transaction, so a
crash re-matches the batch and dedup keys keep it from alerting twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from geoops.alerts import compose
from geoops.alerts.message import AlertMessage, Reason, message_record
from geoops.alerts.routing import Recipient, reason_for, recipients
from geoops.alerts.rules import IncidentFacts, LevelRule, rules_from_settings
from geoops.domain import Event, EventKind
from geoops.settings import Settings
from geoops.store.alert_inputs import (
    IncidentRow,
    SubscriptionRow,
    Told,
    advance_cursor,
    area_subscriptions,
    claim_cursor,
    incident_rows,
    standing_orders,
    told_before,
)
from geoops.store.alert_records import NewAlert, Push, insert_alerts
from geoops.store.events import events_after

CONSUMER = "matcher"
BATCH = 500
KINDS = {
    EventKind.INCIDENT_CREATED: "grew",
    EventKind.INCIDENT_UPDATED: "grew",
    EventKind.INCIDENT_STATUS_CHANGED: "status",
    EventKind.INCIDENT_MERGED: "merged",
}


@dataclass(frozen=True)
class MatchResult:
    alerts: list[int]  # alert ids stored
    more: bool = False  # a full batch was read: call again


@dataclass(frozen=True)
class MatchConfig:
    rules: dict[str, LevelRule]
    update_every: timedelta
    public_url: str
    mqtt: bool  # MQTT deliveries for jurisdictions (a broker is configured)

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchConfig:
        return cls(
            rules_from_settings(settings.alert_rules),
            timedelta(minutes=settings.alert_update_minutes),
            settings.public_url.rstrip("/"),
            settings.mqtt_url is not None,
        )


def match_events(config: MatchConfig, *, session: Session) -> MatchResult:
    cursor = claim_cursor(CONSUMER, session=session)
    if cursor is None:  # another process is matching
        return MatchResult([])
    events, scanned_to = events_after(cursor, session=session, limit=BATCH)
    relevant = [e for e in events if e.kind in KINDS and _survivor_side(e)]
    ids = sorted({int(e.payload["incident_id"]) for e in relevant})
    incidents = incident_rows(ids, session=session)
    subscribed = area_subscriptions(ids, session=session)
    places = sorted({p.id for i in incidents.values() for p in i.places})
    orders = standing_orders(places, session=session)
    absorbed = {int(a) for e in relevant for a in e.payload.get("absorbed", [])}
    told = told_before(sorted(set(ids) | absorbed), session=session)
    new: list[NewAlert] = []
    for event in relevant:
        incident = incidents.get(int(event.payload["incident_id"]))
        if incident is not None:
            new += _alerts_for(event, incident, subscribed.get(incident.id, []), orders, told, config)
    stored = insert_alerts(new, session=session)
    advance_cursor(CONSUMER, scanned_to, session=session)
    return MatchResult(stored, more=len(events) >= BATCH)


def _survivor_side(event: Event) -> bool:
    """Merge events come on both sides; the absorbed side's says nothing new."""
    return "merged_into" not in event.payload


def _facts(event: Event, incident: IncidentRow) -> IncidentFacts:
    """The incident as the event saw it (status, priority, area), where the event says."""
    p = event.payload
    return IncidentFacts(
        status=str(p.get("status", incident.status)),
        priority=str(p.get("priority", incident.priority)),
        area_ha=float(p.get("area_ha", incident.area_ha)),
        settlement_km=incident.settlement_km,
        sources=frozenset(p.get("sources", incident.sources)),
    )


def _alerts_for(
    event: Event,
    incident: IncidentRow,
    subscribed: list[SubscriptionRow],
    orders: dict[int, list[SubscriptionRow]],
    told: dict[tuple[int, str], Told],
    config: MatchConfig,
) -> list[NewAlert]:
    kind = KINDS[EventKind(event.kind)]
    facts = _facts(event, incident)
    at = datetime.fromisoformat(event.created_at)
    found: list[NewAlert] = []
    for recipient in recipients(incident, facts, config.rules, subscribed):
        key = (incident.id, recipient.key)
        before = told.get(key)
        if before is None and kind == "merged":  # told of a fire that merged into this one
            before = next(
                (
                    told[(int(a), recipient.key)]
                    for a in event.payload.get("absorbed", [])
                    if (int(a), recipient.key) in told
                ),
                None,
            )
        reason = reason_for(kind, recipient, facts, before, at, config.update_every)
        if reason is None:
            continue
        told[key] = Told(at, facts.priority, facts.area_ha, facts.status)
        found.append(_new_alert(event, incident, facts, recipient, reason, orders, config))
    return found


def _dedup_key(reason: Reason, incident: IncidentRow, recipient: Recipient, event: Event) -> str:
    if reason is Reason.NEW:  # one first alert per incident and recipient, ever
        return f"new:{incident.id}:{recipient.key}"
    return f"{reason.value}:{incident.id}:{recipient.key}:e{event.id}"


def _new_alert(
    event: Event,
    incident: IncidentRow,
    facts: IncidentFacts,
    recipient: Recipient,
    reason: Reason,
    orders: dict[int, list[SubscriptionRow]],
    config: MatchConfig,
) -> NewAlert:
    absorbed = len(event.payload.get("absorbed", []))
    message = incident_message(
        incident,
        facts,
        reason,
        recipient.key,
        recipient.name,
        recipient.level,
        config.public_url,
        extra=str(absorbed),
    )
    s = recipient.subscription
    return NewAlert(
        dedup_key=_dedup_key(reason, incident, recipient, event),
        reason=reason.value,
        recipient=recipient.key,
        priority=facts.priority,
        message=message_record(message),
        incident_id=incident.id,
        jurisdiction_id=recipient.jurisdiction_id,
        subscription_id=None if s is None else s.id,
        user_id=None if s is None else s.user_id,
        level=recipient.level,
        event_id=event.id,
        event_at=datetime.fromisoformat(event.created_at),
        pushes=pushes_for(recipient.jurisdiction_id, s, orders, mqtt=config.mqtt),
    )


def incident_message(
    incident: IncidentRow,
    facts: IncidentFacts,
    reason: Reason,
    recipient: str,
    recipient_name: str,
    level: str | None,
    public_url: str,
    *,
    extra: str = "",
    previous_alert_id: int | None = None,
) -> AlertMessage:
    """The message about ``incident`` (its stored id and time are filled in on reading)."""
    shown = replace(incident, status=facts.status, priority=facts.priority, area_ha=facts.area_ha)
    return AlertMessage(
        id=0,
        reason=reason,
        created_at=datetime.min,
        title=compose.title(reason, shown, extra=extra),
        text=compose.text(shown),
        priority=facts.priority,
        recipient=recipient,
        recipient_name=recipient_name,
        level=level,
        incident_id=incident.id,
        incident_number=incident.number,
        incident_status=facts.status,
        area_ha=round(facts.area_ha, 2),
        hotspot_count=incident.hotspot_count,
        sources=incident.sources,
        centroid=incident.centroid,
        perimeter=incident.rings,
        jurisdictions=compose.place_names(incident),
        previous_alert_id=previous_alert_id,
        url=f"{public_url}/map?incident={incident.id}",
    )


def jurisdiction_topic(jurisdiction_id: int) -> str:
    return f"geoops/alerts/{jurisdiction_id}"


def crew_topic(crew_id: int) -> str:
    return f"geoops/alerts/crews/{crew_id}"


def pushes_for(
    jurisdiction_id: int | None,
    subscription: SubscriptionRow | None,
    orders: dict[int, list[SubscriptionRow]],
    *,
    mqtt: bool,
) -> list[Push]:
    """Push deliveries of one alert: a jurisdiction's MQTT topic and standing orders, or
    the subscription's own channel. Live alerts need none: streams read the alerts table."""
    pushes: list[Push] = []
    if jurisdiction_id is not None:
        if mqtt:
            pushes.append(Push("mqtt", jurisdiction_topic(jurisdiction_id)))
        pushes += subscription_pushes(orders.get(jurisdiction_id, []))
    if subscription is not None:
        pushes += subscription_pushes([subscription])
    return pushes


def subscription_pushes(subscriptions: list[SubscriptionRow], *, besides: str = "") -> list[Push]:
    """A delivery on each subscription's channel (none for live ones, nor on ``besides``);
    MQTT without a topic of its own goes to its crew's topic, or else its user's."""
    return [
        Push(s.channel, s.target or default_topic(s), s.id)
        for s in subscriptions
        if s.channel not in ("live", besides)
    ]


def default_topic(s: SubscriptionRow) -> str:
    return crew_topic(s.crew_id) if s.crew_id is not None else f"geoops/alerts/users/{s.user_id}"


def current_facts(incident: IncidentRow) -> IncidentFacts:
    """The incident as it stands, for alerts that no event speaks for (escalation, assignment)."""
    return IncidentFacts(incident.status, incident.priority, incident.area_ha, incident.settlement_km)
