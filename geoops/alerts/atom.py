"""An Atom 1.0 feed (RFC 4287) of alerts whose entries link to their CAP 1.2 documents.

Entries follow the OASIS "Example Practices: CAP Feeds" pattern that public CAP feeds and
aggregators such as Google Public Alerts read: a plain-text title and summary for feed
readers, and the full alert behind ``<link rel="alternate" type="application/cap+xml">``
(repeated as out-of-line ``<content src=...>``, so the entry's content is the CAP document).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime

from geoops.alerts.cap import CAP_MEDIA_TYPE, cap_datetime, xml_text
from geoops.alerts.message import AlertMessage

ATOM_MEDIA_TYPE = "application/atom+xml"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
FEED_AUTHOR = "geoops"


def atom_feed(
    messages: Sequence[AlertMessage],
    *,
    feed_url: str,
    cap_url: Callable[[int], str],
    title: str,
    updated: datetime,
) -> bytes:
    """The feed of ``messages`` in the given order; ``cap_url(id)`` is each alert's CAP URL."""
    # The namespace goes in as a plain xmlns attribute: ElementTree's default_namespace
    # option refuses the unqualified attributes (rel, href) that Atom uses.
    feed = ET.Element("feed", xmlns=ATOM_NAMESPACE)
    _add(feed, "id", feed_url)
    _add(feed, "title", title)
    _add(feed, "updated", cap_datetime(updated))
    ET.SubElement(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=feed_url)
    _add(ET.SubElement(feed, "author"), "name", FEED_AUTHOR)
    for message in messages:
        _entry(ET.SubElement(feed, "entry"), message, cap_href=cap_url(message.id))
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def entry_id(alert_id: int) -> str:
    return f"urn:geoops:alert:{alert_id}"


def _entry(entry: ET.Element, message: AlertMessage, *, cap_href: str) -> None:
    _add(entry, "id", entry_id(message.id))
    _add(entry, "title", message.title)
    _add(entry, "updated", cap_datetime(message.created_at))
    _add(entry, "summary", message.text)
    ET.SubElement(entry, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=cap_href)
    if message.url:
        ET.SubElement(entry, "link", rel="related", type="text/html", href=message.url)
    ET.SubElement(entry, "content", type=CAP_MEDIA_TYPE, src=cap_href)


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, name)
    element.text = xml_text(text)
    return element
