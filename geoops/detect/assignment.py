"""Turning components of the link graph into incidents: open, merge, attach evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.claims import Evidence
from geoops.detect.components import Component
from geoops.store.array_literals import array_literal
from geoops.store.sqlfiles import load_sql


@dataclass
class Assignment:
    created: list[int] = field(default_factory=list)
    merged: dict[int, list[int]] = field(default_factory=dict)  # survivor -> absorbed
    # None when all the evidence was attached; else what this pass attached (the rest was
    # attached already, which never happens while passes hold their lock)
    partly: list[Attached] | None = None
    rows: list[int] = field(default_factory=list)  # evidence rows, and the incident each joins
    incidents: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Attached:
    """One piece of evidence attached in this pass; exactly one of the ids is set."""

    incident_id: int
    hotspot_id: int | None
    report_id: int | None
    alarm_id: int | None


def assign_components(
    components: list[Component], evidence: Evidence, *, region_level: str, session: Session
) -> Assignment:
    """Open incidents for new fires and merge bridged ones into the oldest; which incident
    each piece of evidence joins (attached by :func:`attach_evidence`)."""
    fresh = [c for c in components if not c.incidents]
    result = Assignment(created=_allocate_incident_ids(len(fresh), session=session))
    for component, incident_id in zip(fresh, result.created, strict=True):
        component.incidents.add(incident_id)
    if fresh:
        _open_incidents(fresh, result.created, evidence, region_level=region_level, session=session)
    incidents, rows = result.incidents, result.rows
    for component in components:
        survivor = min(component.incidents)  # the older number survives
        absorbed = sorted(component.incidents - {survivor})
        if absorbed:
            result.merged[survivor] = absorbed
            _merge(survivor, absorbed, session=session)
            component.incidents = {survivor}
        incidents += [survivor] * len(component.rows)
        rows += component.rows
    return result


def attach_evidence(assignment: Assignment, evidence: Evidence, *, session: Session) -> None:
    """Attach each piece of evidence to its incident (``sql/attach_evidence.sql``)."""
    if not assignment.rows:
        return
    rows = assignment.rows
    attached = session.execute(
        sa.text(load_sql("geoops.detect", "attach_evidence")),
        {
            "incidents": array_literal(assignment.incidents),
            "kinds": array_literal(evidence.kinds[rows].tolist()),
            "items": array_literal(evidence.ids[rows].tolist()),
            "t": array_literal(evidence.times[rows].tolist()),
        },
    ).scalar_one()
    if attached < len(rows):
        found = session.execute(sa.text(ATTACHED_NOW), {"ids": sorted(set(assignment.incidents))})
        assignment.partly = [Attached(*r) for r in found]


def _open_incidents(
    fresh: list[Component],
    ids: list[int],
    evidence: Evidence,
    *,
    region_level: str,
    session: Session,
) -> None:
    """Each new incident from its seed: the earliest of its items (then by kind and id)."""
    times, kinds, items = evidence.times.tolist(), evidence.kinds.tolist(), evidence.ids.tolist()
    seeds = [min(c.rows, key=lambda row: (times[row], kinds[row], items[row])) for c in fresh]
    middle = (evidence.boxes[seeds, :2] + evidence.boxes[seeds, 2:]) / 2.0
    session.execute(
        sa.text(load_sql("geoops.detect", "open_incidents")),
        {
            "ids": ids,
            "t": evidence.times[seeds].tolist(),
            "lon": middle[:, 0].tolist(),
            "lat": middle[:, 1].tolist(),
            "region_level": region_level,
        },
    )


ATTACHED_NOW = (  # evidence rows added in this transaction (now() is its start)
    "SELECT incident_id, hotspot_id, report_id, alarm_id FROM incident_evidence "
    "WHERE incident_id = ANY(:ids) AND added_at = now()"
)

MOVE_TO_SURVIVOR = {
    table: f"UPDATE {table} SET incident_id = :survivor WHERE incident_id = ANY(:ids)"  # noqa: S608 (fixed names)
    for table in ("incident_evidence", "incident_shapes")
}


def _merge(survivor: int, absorbed: list[int], *, session: Session) -> None:
    params = {"survivor": survivor, "ids": absorbed}
    for table in ("incident_evidence", "incident_shapes"):
        session.execute(sa.text(MOVE_TO_SURVIVOR[table]), params)
    session.execute(
        sa.text(
            "UPDATE incidents SET merged_into_id = :survivor, updated_at = now() "
            "WHERE id = ANY(:ids) OR merged_into_id = ANY(:ids)"
        ),
        params,
    )


def _allocate_incident_ids(count: int, *, session: Session) -> list[int]:
    if not count:
        return []
    rows = session.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence('incidents', 'id')) FROM generate_series(1, :n)"),
        {"n": count},
    )
    return [int(r[0]) for r in rows]
