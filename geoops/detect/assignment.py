"""Turning components of the link graph into incidents: open, merge, attach evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import psycopg.errors
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geoops.detect.claims import ALARM, HOTSPOT, REPORT, Evidence
from geoops.detect.components import Component
from geoops.store.array_literals import array_literal
from geoops.store.binary_arrays import float8_array, int8_array
from geoops.store.sqlfiles import load_sql


@dataclass
class Assignment:
    created: list[int] = field(default_factory=list)
    merged: dict[int, list[int]] = field(default_factory=dict)  # survivor -> absorbed
    # None when all the evidence was attached; else which of the rows this pass attached
    # (the rest was attached already, which never happens while passes hold their lock)
    partly: NDArray[np.bool_] | None = None
    rows: list[int] = field(default_factory=list)  # evidence rows, and the incident each joins
    incidents: list[int] = field(default_factory=list)


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
    """Attach each piece of evidence to its incident (``sql/attach_evidence.sql``).

    A plain insert in a savepoint (an upsert's speculative insertion costs a fifth more a
    row). Should some item be attached already, which never happens while passes hold their
    lock, the savepoint is rolled back and only the others are attached
    (``assignment.partly``)."""
    if not assignment.rows:
        return
    rows = np.array(assignment.rows, dtype=np.int64)
    incidents = np.array(assignment.incidents, dtype=np.int64)
    try:
        with session.begin_nested():
            _insert(incidents, rows, evidence, session=session)
    except IntegrityError as error:
        if not isinstance(error.orig, psycopg.errors.UniqueViolation):
            raise
        mine = ~_attached_already(rows, evidence, session=session)
        _insert(incidents[mine], rows[mine], evidence, session=session)
        assignment.partly = mine


def _insert(
    incidents: NDArray[np.int64], rows: NDArray[np.int64], evidence: Evidence, *, session: Session
) -> None:
    session.execute(
        sa.text(load_sql("geoops.detect", "attach_evidence")),
        {
            "incidents": int8_array(incidents),
            "kinds": array_literal(evidence.kinds[rows].tolist()),
            "items": int8_array(evidence.ids[rows]),
            "t": float8_array(evidence.times[rows]),
        },
    )


def _attached_already(rows: NDArray[np.int64], evidence: Evidence, *, session: Session) -> NDArray[np.bool_]:
    """Which of the rows' items some incident has as evidence already."""
    kinds, ids = evidence.kinds[rows], evidence.ids[rows]
    found = session.execute(
        sa.text(ATTACHED_ALREADY),
        {kind: ids[kinds == kind].tolist() for kind in (HOTSPOT, REPORT, ALARM)},
    ).all()
    attached = np.zeros(len(rows), dtype=bool)
    for kind in (HOTSPOT, REPORT, ALARM):
        items = [item for k, item in found if k == kind]
        attached |= (kinds == kind) & np.isin(ids, items)
    return attached


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


ATTACHED_ALREADY = (  # by kind (claims.HOTSPOT, REPORT, ALARM), through the unique indexes
    "SELECT 'h', hotspot_id FROM incident_evidence WHERE hotspot_id = ANY(CAST(:h AS bigint[])) "
    "UNION ALL SELECT 'r', report_id FROM incident_evidence WHERE report_id = ANY(CAST(:r AS bigint[])) "
    "UNION ALL SELECT 'a', alarm_id FROM incident_evidence WHERE alarm_id = ANY(CAST(:a AS bigint[]))"
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
