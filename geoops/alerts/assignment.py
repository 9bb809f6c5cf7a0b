"""A dispatcher assigns a crew: the crew is alerted on its own subscriptions, its MQTT
topic and its members' live pages, and the incident's timeline records who sent whom."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geoops.alerts.matcher import (
    MatchConfig,
    crew_topic,
    current_facts,
    incident_message,
    subscription_pushes,
)
from geoops.alerts.message import Reason, message_record
from geoops.domain import EventKind
from geoops.errors import NotFound
from geoops.store.alert_inputs import crew_subscriptions, incident_rows
from geoops.store.alert_records import NewAlert, Push, insert_alerts
from geoops.store.crews import assign_crew, crew
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
    facts = current_facts(incident)
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
    pushes = subscription_pushes(crew_subscriptions(crew_id, session=session))
    if config.mqtt and Push("mqtt", crew_topic(crew_id)) not in pushes:
        pushes.append(Push("mqtt", crew_topic(crew_id)))
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
