"""The words of an alert: a title a crew reads on a lock screen, and the details."""

from __future__ import annotations

from geoops.alerts.message import Reason
from geoops.store.alert_inputs import IncidentRow


def place_names(incident: IncidentRow) -> tuple[str, ...]:
    """Jurisdictions the incident lies in, the lowest level first."""
    return tuple(p.name for p in incident.places)


def title(reason: Reason, incident: IncidentRow, *, extra: str = "") -> str:
    where = f" in {incident.places[0].name}" if incident.places else ""
    size = f"{incident.area_ha:,.0f} ha" if incident.area_ha >= 1 else f"{incident.area_ha:.1f} ha"
    fire = f"Fire {incident.number}"
    match reason:
        case Reason.NEW:
            return f"{fire} ({incident.priority}, {incident.status}){where}: {size}"
        case Reason.UPDATE:
            return f"{fire} now {size}, priority {incident.priority}{where}"
        case Reason.MERGED:
            return f"{fire} merged with {extra} other fire(s){where}: {size}"
        case Reason.STATUS:
            return f"{fire} is now {incident.status}{where}"
        case Reason.ESCALATION:
            return f"Not acknowledged for {extra} min: {fire} ({incident.priority}){where}"
        case Reason.ASSIGNMENT:
            return f"Crew {extra} assigned to {fire}{where}"
        case _:
            return fire


def text(incident: IncidentRow) -> str:
    lines = [
        f"Incident {incident.number}: status {incident.status}, priority {incident.priority}.",
        f"Area {incident.area_ha:.1f} ha, {incident.hotspot_count} hotspot(s); sources: "
        + (", ".join(incident.sources) or "none"),
    ]
    if incident.places:
        lines.append("Where: " + ", ".join(f"{p.name} ({p.level})" for p in incident.places))
    if incident.centroid:
        lon, lat = incident.centroid
        lines.append(f"Centre: {lat:.5f} N, {lon:.5f} E")
    if incident.settlement_km is not None:
        lines.append(f"Nearest settlement: {incident.settlement_km:.1f} km")
    return "\n".join(lines)
