"""One detection pass: new hotspots become evidence of new, grown or merged incidents.

The pass reads only hotspots not yet detected (plus the incidents they touch), so its
cost grows with the batch, not with the table. An advisory lock lets any number of
processes run it without double work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.components import Component, connected_components
from geoops.domain import DetectionResult, EventKind
from geoops.store.events import append_events
from geoops.store.jurisdictions import recompute_incident_jurisdictions
from geoops.store.sqlfiles import load_sql

LOCK_KEY = 0x6E0_0D37  # pg_advisory_xact_lock key reserved for detection passes


@dataclass(frozen=True)
class DetectParams:
    link_distance_m: float = 1000.0
    link_window_hours: float = 24.0
    inactive_after_hours: float = 48.0
    batch_size: int = 50_000
    heat_source_layer: str = "heat_sources"
    heat_source_radius_m: float = 500.0
    water_layers: tuple[str, ...] = ("lakes",)


def run_detection_pass(params: DetectParams, *, session: Session) -> DetectionResult:
    """Link every undetected hotspot; write incidents, evidence and events. Never commits."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    new_ids, fire_ids = _claim_new_hotspots(params, session=session)
    if not new_ids:
        return DetectionResult(0, [], [], {})
    params_sql = {
        "ids": fire_ids,
        "distance_m": params.link_distance_m,
        "window_s": params.link_window_hours * 3600,
        "inactive_s": params.inactive_after_hours * 3600,
    }
    for statement in load_sql("geoops.detect", "batch").split(";"):
        session.execute(sa.text(statement), params_sql)
    links = session.execute(sa.text(load_sql("geoops.detect", "links")), params_sql).all()
    components = connected_components(fire_ids, [(r.a, r.kind, r.b) for r in links])
    created, merged = _assign(components, session=session)
    session.execute(sa.text("UPDATE hotspots SET detected_at = now() WHERE id = ANY(:ids)"), {"ids": new_ids})
    touched = sorted({i for c in components for i in c.incidents} | set(created))
    refreshed = session.execute(sa.text(load_sql("geoops.detect", "refresh_incidents")), {"ids": touched})
    rows = refreshed.mappings().all()  # perimeters are final now: link them to jurisdictions
    merged_away = [i for ids in merged.values() for i in ids]
    recompute_incident_jurisdictions(session=session, incident_ids=touched + merged_away)
    _record_events(rows, set(created), merged, session=session)
    updated = [i for i in touched if i not in created]
    return DetectionResult(len(new_ids), created, updated, merged)


def _claim_new_hotspots(params: DetectParams, *, session: Session) -> tuple[list[int], list[int]]:
    """Ids of undetected hotspots, and those of them that may be fires (not static sources:
    ``sql/claim_hotspots.sql`` marks the others with their reason)."""
    rows = session.execute(
        sa.text(load_sql("geoops.detect", "claim_hotspots")),
        {
            "limit": params.batch_size,
            "heat_layer": params.heat_source_layer,
            "heat_radius_m": params.heat_source_radius_m,
            "water_layers": list(params.water_layers),
        },
    ).all()
    return [r.id for r in rows], [r.id for r in rows if not r.static]


def _assign(components: list[Component], *, session: Session) -> tuple[list[int], dict[int, list[int]]]:
    """Open incidents for new fires, merge bridged ones into the oldest, attach evidence."""
    fresh = [c for c in components if not c.incidents]
    new_ids = _allocate_incident_ids(len(fresh), session=session)
    for component, incident_id in zip(fresh, new_ids, strict=True):
        component.incidents.add(incident_id)
    if new_ids:
        session.execute(
            sa.text(load_sql("geoops.detect", "open_incidents")),
            {"ids": new_ids, "seeds": [c.hotspots[0] for c in fresh]},
        )
    merged: dict[int, list[int]] = {}
    pairs: list[tuple[int, int]] = []
    for component in components:
        survivor = min(component.incidents)  # the older number survives
        absorbed = sorted(component.incidents - {survivor})
        if absorbed:
            merged[survivor] = absorbed
            params = {"survivor": survivor, "ids": absorbed}
            session.execute(
                sa.text("UPDATE incident_evidence SET incident_id = :survivor WHERE incident_id = ANY(:ids)"),
                params,
            )
            session.execute(
                sa.text(
                    "UPDATE incidents SET merged_into_id = :survivor, updated_at = now() "
                    "WHERE id = ANY(:ids) OR merged_into_id = ANY(:ids)"
                ),
                params,
            )
            component.incidents = {survivor}
        pairs += [(survivor, h) for h in component.hotspots]
    if pairs:
        incident_ids, hotspot_ids = (list(x) for x in zip(*pairs, strict=True))
        session.execute(
            sa.text(load_sql("geoops.detect", "attach_hotspots")),
            {"incidents": incident_ids, "hotspots": hotspot_ids},
        )
    return new_ids, merged


def _allocate_incident_ids(count: int, *, session: Session) -> list[int]:
    if not count:
        return []
    rows = session.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence('incidents', 'id')) FROM generate_series(1, :n)"),
        {"n": count},
    )
    return [int(r[0]) for r in rows]


def _record_events(rows: Any, created: set[int], merged: dict[int, list[int]], *, session: Session) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        payload = {
            "incident_id": row["id"],
            **{k: row[k] for k in ("number", "status", "priority", "hotspot_count", "area_ha")},
        }
        kind = EventKind.INCIDENT_CREATED if row["id"] in created else EventKind.INCIDENT_UPDATED
        events.append((kind, payload))
        if row["id"] in merged:
            events.append((EventKind.INCIDENT_MERGED, {**payload, "absorbed": merged[row["id"]]}))
    for survivor, absorbed in merged.items():
        events += [(EventKind.INCIDENT_MERGED, {"incident_id": a, "merged_into": survivor}) for a in absorbed]
    append_events(events, session=session)
