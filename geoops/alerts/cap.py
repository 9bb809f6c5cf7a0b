"""CAP 1.2 XML for one alert: the OASIS Common Alerting Protocol document that public
warning systems and aggregators read (schema: tests/fixtures/cap/CAP-v1.2.xsd).

Element order follows the schema's ``<sequence>`` exactly; CAP geometry is ``lat,lon``,
the reverse of the (lon, lat) order of ``AlertMessage``.

``<references>`` needs the earlier alert's ``sender,identifier,sent``. The message only
carries the earlier alert's id, so ``references`` is written only when the caller also
passes ``previous_sent``; otherwise it is left out (a guessed ``sent`` would point
consumers at a message that does not exist). Every alert about an incident carries
``<incidents>geoops-incident-{incident_id}</incidents>``, CAP's own way to collate the
messages of one incident, and a ``previous_alert`` parameter, so updates still chain.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from geoops.alerts.message import AlertMessage, Reason, Ring

CAP_MEDIA_TYPE = "application/cap+xml"
CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
HEADLINE_LIMIT = 160  # CAP practice: a headline fits an SMS-sized display
CIRCLE_RADIUS_KM = 0.5  # area of a point-only incident
COORDINATE_DECIMALS = 5  # about 1 m

_UPDATE_REASONS = frozenset({Reason.UPDATE, Reason.MERGED, Reason.STATUS})
_URGENT_PRIORITIES = frozenset({"critical", "high"})
_SEVERITY = {"critical": "Extreme", "high": "Severe", "medium": "Moderate", "low": "Minor"}
_CERTAINTY = {"confirmed": "Observed", "contained": "Observed", "suspected": "Possible"}
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_IN_CAP_TOKEN = re.compile(r"[\s,<&]")  # CAP 1.2 3.2.1: sender and identifier


def cap_xml(
    message: AlertMessage, *, sender: str, web: str | None = None, previous_sent: datetime | None = None
) -> bytes:
    """The CAP 1.2 ``<alert>`` of ``message``, UTF-8 with an XML declaration.

    ``web`` is the fallback for ``<web>`` when the message has no incident page;
    ``previous_sent`` is when the alert ``previous_alert_id`` was sent, if known.
    """
    alert = ET.Element(_cap("alert"))
    _alert_header(alert, message, sender=cap_token(sender), previous_sent=previous_sent)
    _info(ET.SubElement(alert, _cap("info")), message, web=message.url or web)
    document: bytes = ET.tostring(
        alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NAMESPACE
    )
    return document


def alert_identifier(alert_id: int) -> str:
    return f"geoops-alert-{alert_id}"


def cap_datetime(moment: datetime) -> str:
    """``2026-12-01T12:30:00+00:00``: UTC, numeric offset, no fraction (CAP's pattern)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"CAP times must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def cap_token(value: str) -> str:
    """``value`` if CAP accepts it as a sender or identifier, else ``ValueError``."""
    if not value or _NOT_IN_CAP_TOKEN.search(value):
        raise ValueError(f"a CAP sender or identifier has no spaces, commas, < or &: {value!r}")
    return value


def xml_text(value: str) -> str:
    """``value`` without the control characters XML 1.0 cannot carry at all."""
    return _NOT_XML_CHAR.sub("", value)


def _alert_header(
    alert: ET.Element, message: AlertMessage, *, sender: str, previous_sent: datetime | None
) -> None:
    is_update = message.reason in _UPDATE_REASONS
    _add(alert, "identifier", alert_identifier(message.id))
    _add(alert, "sender", sender)
    _add(alert, "sent", cap_datetime(message.created_at))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", "Update" if is_update else "Alert")
    _add(alert, "scope", "Public")
    if message.previous_alert_id is not None and previous_sent is not None:
        previous = alert_identifier(message.previous_alert_id)
        _add(alert, "references", f"{sender},{previous},{cap_datetime(previous_sent)}")
    if message.incident_id is not None:
        _add(alert, "incidents", f"geoops-incident-{message.incident_id}")


def _info(info: ET.Element, message: AlertMessage, *, web: str | None) -> None:
    is_health = message.reason == Reason.HEALTH
    urgent = message.priority in _URGENT_PRIORITIES
    _add(info, "language", "en-US")
    _add(info, "category", "Safety" if is_health else "Fire")
    _add(info, "event", "Alerting degraded" if is_health else "Wildfire")
    _add(info, "responseType", "Prepare" if urgent else "Monitor")
    _add(info, "urgency", "Immediate" if urgent else "Expected")
    _add(info, "severity", _SEVERITY.get(message.priority, "Unknown"))
    _add(info, "certainty", _CERTAINTY.get(message.incident_status or "", "Likely"))
    _add(info, "senderName", "geoops")
    _add(info, "headline", headline(message.title))
    _add(info, "description", message.text)
    if web:
        _add(info, "web", web)
    for name, value in _parameters(message):
        parameter = ET.SubElement(info, _cap("parameter"))
        _add(parameter, "valueName", name)
        _add(parameter, "value", value)
    if message.perimeter or message.centroid is not None or message.jurisdictions:
        _area(ET.SubElement(info, _cap("area")), message)


def headline(title: str) -> str:
    """``title`` cut to CAP's 160 characters, with an ellipsis when cut."""
    title = " ".join(title.split())
    if len(title) <= HEADLINE_LIMIT:
        return title
    return title[: HEADLINE_LIMIT - 1].rstrip() + "…"


def _parameters(message: AlertMessage) -> list[tuple[str, str]]:
    candidates = [
        ("incident_number", message.incident_number),
        ("area_ha", None if message.area_ha is None else f"{message.area_ha:.2f}"),
        ("hotspot_count", None if message.hotspot_count is None else str(message.hotspot_count)),
        ("sources", ", ".join(message.sources) or None),
        ("priority", message.priority),
        ("reason", str(message.reason)),
        (
            "previous_alert",
            None if message.previous_alert_id is None else alert_identifier(message.previous_alert_id),
        ),
    ]
    return [(name, value) for name, value in candidates if value is not None]


def _area(area: ET.Element, message: AlertMessage) -> None:
    _add(area, "areaDesc", ", ".join(message.jurisdictions) or message.recipient_name)
    polygons = [polygon for ring in message.perimeter if (polygon := cap_polygon(ring)) is not None]
    for polygon in polygons:
        _add(area, "polygon", polygon)
    if not polygons and message.centroid is not None:
        lon, lat = message.centroid
        _add(area, "circle", f"{_lat_lon(lon, lat)} {CIRCLE_RADIUS_KM}")


def cap_polygon(ring: Ring) -> str | None:
    """A (lon, lat) ring as CAP ``lat,lon`` pairs, closed; None if under 4 points."""
    pairs = [_lat_lon(lon, lat) for lon, lat in ring]
    if pairs and pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(pairs) if len(pairs) >= 4 else None


def _lat_lon(lon: float, lat: float) -> str:
    return f"{_coordinate(lat)},{_coordinate(lon)}"


def _coordinate(value: float) -> str:
    """Fixed-point degrees, never exponent notation, trailing zeros dropped."""
    text = f"{value:.{COORDINATE_DECIMALS}f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if text == "-0.0" else text


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _cap(name))
    element.text = xml_text(text)
    return element


def _cap(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"
