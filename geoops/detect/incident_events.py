"""The events a detection pass leaves in the outbox: created, updated, merged, status changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from geoops.domain import EventKind
from geoops.store.events import append_events

SUMMARY = (
    "number",
    "status",
    "status_reason",
    "priority",
    "priority_score",
    "hotspot_count",
    "area_ha",
    "growth_ha",
    "sources",
)


def record_pass_events(
    rows: Sequence[Mapping[Any, Any]],
    created: set[int],
    merged: dict[int, list[int]],
    linked_reports: Sequence[Mapping[Any, Any]],
    then: Sequence[tuple[str, dict[str, Any]]] = (),
    *,
    session: Session,
) -> None:
    """One created/updated event per refreshed incident, merge events on both sides, a
    status change for each automatic confirmation, and report updates for linked reports;
    then the events ``then`` (the pass's others), all in one insert."""
    events: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        payload = {"incident_id": row["id"], **{k: row[k] for k in SUMMARY}}
        events.append(
            (EventKind.INCIDENT_CREATED if row["id"] in created else EventKind.INCIDENT_UPDATED, payload)
        )
        if row["id"] in merged:
            events.append((EventKind.INCIDENT_MERGED, {**payload, "absorbed": merged[row["id"]]}))
        if row["status"] != row["previous_status"] and row["id"] not in created:
            change = {"incident_id": row["id"], "number": row["number"], "status": row["status"],
                      "previous": row["previous_status"], "reason": row["status_reason"], "by": "geoops"}  # fmt: skip
            events.append((EventKind.INCIDENT_STATUS_CHANGED, change))
    for survivor, absorbed in merged.items():
        events += [(EventKind.INCIDENT_MERGED, {"incident_id": a, "merged_into": survivor}) for a in absorbed]
    events += [(EventKind.REPORT_UPDATED, dict(r)) for r in linked_reports]
    append_events(events + list(then), session=session)
