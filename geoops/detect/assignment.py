"""Turning components of the link graph into incidents: open, merge, attach evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.components import Component
from geoops.store.sqlfiles import load_sql


@dataclass
class Assignment:
    created: list[int] = field(default_factory=list)
    merged: dict[int, list[int]] = field(default_factory=dict)  # survivor -> absorbed


def assign_components(components: list[Component], *, region_level: str, session: Session) -> Assignment:
    """Open incidents for new fires, merge bridged ones into the oldest, attach evidence."""
    fresh = [c for c in components if not c.incidents]
    result = Assignment(created=_allocate_incident_ids(len(fresh), session=session))
    for component, incident_id in zip(fresh, result.created, strict=True):
        component.incidents.add(incident_id)
    if fresh:
        members = [
            (i, kind, item) for c, i in zip(fresh, result.created, strict=True) for kind, item in c.items
        ]
        ids, member_kinds, member_items = (list(x) for x in zip(*members, strict=True))
        session.execute(
            sa.text(load_sql("geoops.detect", "open_incidents")),
            {"ids": ids, "kinds": member_kinds, "items": member_items, "region_level": region_level},
        )
    incidents: list[int] = []
    kinds: list[str] = []
    items: list[int] = []
    for component in components:
        survivor = min(component.incidents)  # the older number survives
        absorbed = sorted(component.incidents - {survivor})
        if absorbed:
            result.merged[survivor] = absorbed
            _merge(survivor, absorbed, session=session)
            component.incidents = {survivor}
        for kind, item in component.items:
            incidents.append(survivor)
            kinds.append(kind)
            items.append(item)
    if incidents:
        session.execute(
            sa.text(load_sql("geoops.detect", "attach_evidence")),
            {"incidents": incidents, "kinds": kinds, "items": items},
        )
    return result


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
