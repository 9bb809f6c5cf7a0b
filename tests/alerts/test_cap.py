"""CAP 1.2 documents validated against the OASIS schema, and the Atom feed that links them."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import xmlschema

from geoops.alerts.atom import ATOM_MEDIA_TYPE, ATOM_NAMESPACE, atom_feed
from geoops.alerts.cap import CAP_MEDIA_TYPE, CAP_NAMESPACE, HEADLINE_LIMIT, cap_xml
from geoops.alerts.message import AlertMessage, Reason
from tests.conftest import sample

SENDER = "alerts@geoops.example"
NS = {"cap": CAP_NAMESPACE, "atom": ATOM_NAMESPACE}
T0 = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
# Near Yakutsk; the extra digits check rounding to 5 decimals.
LON, LAT = 129.7123449, 62.0345678
OUTER = [(LON, LAT), (LON + 0.05, LAT), (LON + 0.05, LAT + 0.03), (LON, LAT + 0.03), (LON, LAT)]
SECOND = [(130.1, 62.2), (130.2, 62.2), (130.15, 62.25), (130.1, 62.2)]

FIRE = AlertMessage(
    id=42,
    reason=Reason.NEW,
    created_at=T0,
    title="Wildfire 2026-0042 confirmed near Yakutsk",
    text="Confirmed wildfire, 120.5 ha, 17 hotspots.",
    priority="critical",
    recipient="jurisdiction:12",
    recipient_name="Sakha Republic",
    incident_id=7,
    incident_number="2026-0042",
    incident_status="confirmed",
    area_ha=120.5,
    hotspot_count=17,
    sources=("firms", "sensor"),
    centroid=(LON, LAT),
    perimeter=(OUTER, SECOND),
    jurisdictions=("Sakha Republic", "Yakutsk district"),
    url="https://geoops.example/incidents/7",
)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(sample("cap/CAP-v1.2.xsd")))


def valid_alert(schema: xmlschema.XMLSchema, message: AlertMessage, **options: Any) -> ET.Element:
    """The CAP document of ``message``, after the schema accepted it."""
    document = cap_xml(message, sender=SENDER, **options)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    schema.validate(document.decode("utf-8"))
    return ET.fromstring(document)


def text(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    assert found is not None, path
    return found.text or ""


def texts(element: ET.Element, path: str) -> list[str]:
    return [found.text or "" for found in element.findall(path, NS)]


def parameters(alert: ET.Element) -> dict[str, str]:
    return {
        text(parameter, "cap:valueName"): text(parameter, "cap:value")
        for parameter in alert.findall("cap:info/cap:parameter", NS)
    }


def test_confirmed_incident_with_two_ring_perimeter(schema: xmlschema.XMLSchema) -> None:
    alert = valid_alert(schema, FIRE)

    assert alert.tag == f"{{{CAP_NAMESPACE}}}alert"
    assert text(alert, "cap:identifier") == "geoops-alert-42"
    assert text(alert, "cap:sender") == SENDER
    assert text(alert, "cap:sent") == "2026-12-01T12:30:00+00:00"
    assert [text(alert, f"cap:{name}") for name in ("status", "msgType", "scope")] == [
        "Actual",
        "Alert",
        "Public",
    ]
    assert alert.find("cap:references", NS) is None
    assert text(alert, "cap:incidents") == "geoops-incident-7"
    info = alert.find("cap:info", NS)
    assert info is not None
    summary = {name: text(info, f"cap:{name}") for name in ("category", "event", "responseType", "urgency")}
    assert summary == {
        "category": "Fire",
        "event": "Wildfire",
        "responseType": "Prepare",
        "urgency": "Immediate",
    }
    assert (text(info, "cap:severity"), text(info, "cap:certainty")) == ("Extreme", "Observed")
    assert text(info, "cap:headline") == FIRE.title
    assert text(info, "cap:web") == "https://geoops.example/incidents/7"
    assert parameters(alert) == {
        "incident_number": "2026-0042",
        "area_ha": "120.50",
        "hotspot_count": "17",
        "sources": "firms, sensor",
        "priority": "critical",
        "reason": "new",
    }
    assert text(info, "cap:area/cap:areaDesc") == "Sakha Republic, Yakutsk district"
    assert info.find("cap:area/cap:circle", NS) is None


def test_polygons_are_lat_lon_closed_and_rounded(schema: xmlschema.XMLSchema) -> None:
    polygons = texts(valid_alert(schema, FIRE), "cap:info/cap:area/cap:polygon")

    assert len(polygons) == 2
    first = polygons[0].split(" ")
    assert first[0] == "62.03457,129.71234"  # latitude first, 5 decimals
    assert first[0] == first[-1] and len(first) == 5
    assert polygons[1] == "62.2,130.1 62.2,130.2 62.25,130.15 62.2,130.1"


def test_unclosed_ring_is_closed_and_a_degenerate_ring_falls_back_to_a_circle(
    schema: xmlschema.XMLSchema,
) -> None:
    open_ring = dataclasses.replace(FIRE, perimeter=(SECOND[:-1],))
    assert texts(valid_alert(schema, open_ring), "cap:info/cap:area/cap:polygon") == [
        "62.2,130.1 62.2,130.2 62.25,130.15 62.2,130.1"
    ]

    line = dataclasses.replace(FIRE, perimeter=([(130.1, 62.2), (130.2, 62.2)],))
    area = valid_alert(schema, line).find("cap:info/cap:area", NS)
    assert area is not None
    assert area.find("cap:polygon", NS) is None
    assert text(area, "cap:circle") == "62.03457,129.71234 0.5"


def test_point_only_incident_is_a_circle(schema: xmlschema.XMLSchema) -> None:
    point = dataclasses.replace(
        FIRE, perimeter=(), jurisdictions=(), priority="medium", incident_status="suspected", url=None
    )
    alert = valid_alert(schema, point, web="https://geoops.example/map")

    assert texts(alert, "cap:info/cap:area/cap:circle") == ["62.03457,129.71234 0.5"]
    assert alert.find("cap:info/cap:area/cap:polygon", NS) is None
    assert text(alert, "cap:info/cap:area/cap:areaDesc") == "Sakha Republic"  # the recipient's name
    info = {name: text(alert, f"cap:info/cap:{name}") for name in ("severity", "certainty", "urgency")}
    assert info == {"severity": "Moderate", "certainty": "Possible", "urgency": "Expected"}
    assert text(alert, "cap:info/cap:responseType") == "Monitor"
    assert text(alert, "cap:info/cap:web") == "https://geoops.example/map"


@pytest.mark.parametrize(
    ("priority", "status", "severity", "certainty"),
    [
        ("low", "contained", "Minor", "Observed"),
        ("high", "active", "Severe", "Likely"),
        ("odd", None, "Unknown", "Likely"),
    ],
)
def test_severity_and_certainty(
    schema: xmlschema.XMLSchema, priority: str, status: str | None, severity: str, certainty: str
) -> None:
    alert = valid_alert(schema, dataclasses.replace(FIRE, priority=priority, incident_status=status))

    assert text(alert, "cap:info/cap:severity") == severity
    assert text(alert, "cap:info/cap:certainty") == certainty


def test_update_without_the_previous_sent_time_has_no_references(schema: xmlschema.XMLSchema) -> None:
    update = dataclasses.replace(FIRE, id=43, reason=Reason.UPDATE, previous_alert_id=42)
    alert = valid_alert(schema, update)

    assert text(alert, "cap:msgType") == "Update"
    assert alert.find("cap:references", NS) is None
    assert text(alert, "cap:incidents") == "geoops-incident-7"
    assert parameters(alert)["previous_alert"] == "geoops-alert-42"
    assert parameters(alert)["reason"] == "update"


def test_update_with_the_previous_sent_time_references_it(schema: xmlschema.XMLSchema) -> None:
    update = dataclasses.replace(FIRE, id=43, reason=Reason.MERGED, previous_alert_id=42)
    earlier = datetime(2026, 12, 1, 18, 0, 0, 123456, tzinfo=timezone(timedelta(hours=7)))
    alert = valid_alert(schema, update, previous_sent=earlier)

    assert text(alert, "cap:msgType") == "Update"
    assert text(alert, "cap:references") == f"{SENDER},geoops-alert-42,2026-12-01T11:00:00+00:00"


def test_health_alert_without_incident(schema: xmlschema.XMLSchema) -> None:
    health = AlertMessage(
        id=9,
        reason=Reason.HEALTH,
        created_at=T0,
        title="E-mail channel failing",
        text="12 deliveries failed in the last 10 minutes.",
        priority="high",
        recipient="admins",
        recipient_name="Administrators",
    )
    alert = valid_alert(schema, health)

    assert text(alert, "cap:msgType") == "Alert"
    assert alert.find("cap:incidents", NS) is None
    assert (text(alert, "cap:info/cap:category"), text(alert, "cap:info/cap:event")) == (
        "Safety",
        "Alerting degraded",
    )
    assert text(alert, "cap:info/cap:severity") == "Severe"
    assert alert.find("cap:info/cap:area", NS) is None  # no geography to describe
    assert alert.find("cap:info/cap:web", NS) is None
    assert parameters(alert) == {"priority": "high", "reason": "health"}


def test_non_utc_time_is_sent_in_utc_without_fraction(schema: xmlschema.XMLSchema) -> None:
    local = datetime(2026, 12, 1, 19, 30, 0, 987654, tzinfo=timezone(timedelta(hours=7)))
    alert = valid_alert(schema, dataclasses.replace(FIRE, created_at=local))

    assert text(alert, "cap:sent") == "2026-12-01T12:30:00+00:00"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cap_xml(dataclasses.replace(FIRE, created_at=datetime(2026, 12, 1, 12, 30)), sender=SENDER)


@pytest.mark.parametrize("sender", ["geoops alerts", "a,b", "a<b", "a&b", ""])
def test_sender_that_cap_forbids_is_refused(sender: str) -> None:
    with pytest.raises(ValueError, match="sender"):
        cap_xml(FIRE, sender=sender)


def test_long_title_is_cut_to_160_characters(schema: xmlschema.XMLSchema) -> None:
    long = dataclasses.replace(FIRE, title="Wildfire near Yakutsk " * 12)
    headline = text(valid_alert(schema, long), "cap:info/cap:headline")

    assert len(headline) == HEADLINE_LIMIT
    assert headline.endswith("…")
    assert headline.startswith("Wildfire near Yakutsk Wildfire")


def test_markup_characters_are_escaped(schema: xmlschema.XMLSchema) -> None:
    raw = "Smoke < 5 km & wind > 10 m/s <b>now</b>\x07"
    message = dataclasses.replace(FIRE, title="Fire <A&B>", text=raw)
    document = cap_xml(message, sender=SENDER)
    alert = valid_alert(schema, message)

    assert b"&lt;b&gt;now&lt;/b&gt;" in document and b"&amp; wind" in document
    assert text(alert, "cap:info/cap:description") == raw[:-1]  # the BEL control character dropped
    assert text(alert, "cap:info/cap:headline") == "Fire <A&B>"


def test_real_cap_alert_validates_with_the_same_schema(schema: xmlschema.XMLSchema) -> None:
    """A sanity check of the validator: a real NSW RFS alert passes, a broken copy does not."""
    document = sample("cap/cap12_nsw_rfs_fire_2011-10-05.xml").read_text(encoding="utf-8")
    schema.validate(document)
    assert schema.is_valid(document)
    assert not schema.is_valid(document.replace("<cap:status>Actual", "<cap:status>Real"))
    assert not schema.is_valid(cap_xml(FIRE, sender=SENDER).decode().replace("+00:00</sent>", "Z</sent>"))


def test_media_types() -> None:
    assert CAP_MEDIA_TYPE == "application/cap+xml"
    assert ATOM_MEDIA_TYPE == "application/atom+xml"


def feed_of(messages: list[AlertMessage]) -> ET.Element:
    document = atom_feed(
        messages,
        feed_url="https://geoops.example/alerts.atom",
        cap_url=lambda alert_id: f"https://geoops.example/alerts/{alert_id}.cap",
        title="geoops alerts & updates",
        updated=datetime(2026, 12, 1, 20, 0, tzinfo=timezone(timedelta(hours=7))),
    )
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(document)  # raises unless well-formed


def test_atom_feed_links_each_entry_to_its_cap_document() -> None:
    update = dataclasses.replace(
        FIRE, id=43, reason=Reason.UPDATE, title="Fire <grew> & spread", text="Now 300 ha.", url=None
    )
    feed = feed_of([FIRE, update])

    assert feed.tag == f"{{{ATOM_NAMESPACE}}}feed"
    assert text(feed, "atom:id") == "https://geoops.example/alerts.atom"
    assert text(feed, "atom:title") == "geoops alerts & updates"
    assert text(feed, "atom:updated") == "2026-12-01T13:00:00+00:00"
    assert text(feed, "atom:author/atom:name") == "geoops"
    self_link = feed.find("atom:link[@rel='self']", NS)
    assert self_link is not None
    assert self_link.attrib == {
        "rel": "self",
        "type": "application/atom+xml",
        "href": "https://geoops.example/alerts.atom",
    }
    entries = feed.findall("atom:entry", NS)
    assert texts(feed, "atom:entry/atom:id") == ["urn:geoops:alert:42", "urn:geoops:alert:43"]
    assert text(entries[1], "atom:title") == "Fire <grew> & spread"
    assert text(entries[1], "atom:summary") == "Now 300 ha."
    assert text(entries[0], "atom:updated") == "2026-12-01T12:30:00+00:00"
    for entry, alert_id in zip(entries, (42, 43), strict=True):
        cap_href = f"https://geoops.example/alerts/{alert_id}.cap"
        alternate = entry.find("atom:link[@rel='alternate']", NS)
        content = entry.find("atom:content", NS)
        assert alternate is not None and content is not None
        assert alternate.attrib == {"rel": "alternate", "type": "application/cap+xml", "href": cap_href}
        assert content.attrib == {"type": "application/cap+xml", "src": cap_href}
        assert not content.text  # out-of-line content is empty (RFC 4287 4.1.3.2)
    related = entries[0].find("atom:link[@rel='related']", NS)
    assert related is not None and related.get("href") == "https://geoops.example/incidents/7"
    assert entries[1].find("atom:link[@rel='related']", NS) is None


def test_empty_atom_feed() -> None:
    feed = feed_of([])

    assert feed.findall("atom:entry", NS) == []
    assert text(feed, "atom:id") == "https://geoops.example/alerts.atom"
    assert feed.find("atom:link[@rel='self']", NS) is not None
