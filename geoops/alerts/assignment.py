"""A dispatcher assigns a crew: the crew is alerted on its own subscriptions, its MQTT
topic and its members' live pages, and the incident's timeline records who sent whom."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geoops.alerts.matcher import MatchConfig, incident_message
from geoops.alerts.message import Reason, message_record
from geoops.alerts.rules import IncidentFacts
from geoops.domain import EventKind
from geoops.errors import NotFound
from geoops.store.alert_inputs import incident_rows
from geoops.store.alert_records import NewAlert, Push, insert_alerts
from geoops.store.crews import assign_crew, crew, crew_subscriptions
from geoops.store.events import append_event


def assign_and_alert(
    incident_id: int, crew_id: int, by: str, config: MatchConfig, *, session: Session
) -> int:
    """The alert id sent to the crew."""
    incident = incident_rows([incident_id], session=session).get(incident_id)
    if incident is None or incident.merged_into_id is not None:
        raise NotFound(f"no current incident {incident_id}")
    team = crew(crew_id, session=session)
    assignment = assign_crew(incident_id, crew_id, by, session=session)
    facts = IncidentFacts(incident.status, incident.priority, incident.area_ha, incident.settlement_km)
    recipient = f"crew:{crew_id}"
    message = incident_message(
        incident,
        facts,
        Reason.ASSIGNMENT,
        recipient,
        team["name"],
        "crew",
        config.public_url,
        extra=team["name"],
    )
    pushes = [
        Push(s.channel, s.target or f"geoops/alerts/crews/{crew_id}", s.id)
        for s in crew_subscriptions(crew_id, session=session)
        if s.channel != "live"
    ]
    if config.mqtt and not any(
        p.channel == "mqtt" and p.target == f"geoops/alerts/crews/{crew_id}" for p in pushes
    ):
        pushes.append(Push("mqtt", f"geoops/alerts/crews/{crew_id}"))
    stored = insert_alerts(
        [
            NewAlert(
                f"assignment:{assignment}",
                Reason.ASSIGNMENT.value,
                recipient,
                incident.priority,
                message_record(message),
                incident_id=incident_id,
                user_id=team["user_id"],
                level="crew",
                pushes=pushes,
            )
        ],
        session=session,
    )
    append_event(
        EventKind.INCIDENT_CREW_ASSIGNED,
        {
            "incident_id": incident_id,
            "number": incident.number,
            "crew_id": crew_id,
            "crew": team["name"],
            "by": by,
            "alert_id": stored[0],
        },
        session=session,
    )
    return stored[0]
