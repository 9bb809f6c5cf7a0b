"""One detection pass: new evidence becomes new, grown, merged or confirmed incidents.

Evidence is every hotspot, report and sensor alarm no pass has seen yet. The pass reads
only those (plus the incidents they touch), so its cost grows with the batch, not with
the table. An advisory lock lets any number of processes run it without double work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.detect.assignment import assign_components
from geoops.detect.claims import Claimed, claim_new_evidence, mark_seen
from geoops.detect.components import Component, connected_components
from geoops.detect.heat_candidates import CandidateParams, learn_heat_source_candidates
from geoops.detect.incident_events import record_pass_events
from geoops.detect.priority import PriorityParams, score_incidents
from geoops.domain import DetectionResult
from geoops.store.jurisdictions import extend_incident_jurisdictions
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
    fusion_distance_m: float = 3000.0
    fusion_window_hours: float = 12.0
    fire_report_categories: tuple[str, ...] = ("smoke", "open_fire")
    region_level: str = "region"
    candidates: CandidateParams = field(default_factory=CandidateParams)
    priority: PriorityParams = field(default_factory=PriorityParams)


def run_detection_pass(params: DetectParams, *, session: Session) -> DetectionResult:
    """Link every unseen piece of evidence; write incidents, evidence and events. Never commits."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    # JIT compiles for a quarter of a second on these large estimates and saves nothing.
    session.execute(sa.text("SET LOCAL jit = off"))
    session.execute(sa.text("SET LOCAL work_mem = '64MB'"))  # the link graph sorts in memory
    claimed = claim_new_evidence(
        limit=params.batch_size, heat_layer=params.heat_source_layer, heat_radius_m=params.heat_source_radius_m,
        water_layers=params.water_layers, fire_categories=params.fire_report_categories, session=session,
    )  # fmt: skip
    if claimed.nothing:
        return DetectionResult(0, [], [], {})
    created: list[int] = []
    merged: dict[int, list[int]] = {}
    touched: list[int] = []
    if claimed.evidence:
        components = _link(claimed, params, session=session)
        assignment = assign_components(components, region_level=params.region_level, session=session)
        created, merged = assignment.created, assignment.merged
        touched = sorted({i for c in components for i in c.incidents})
    mark_seen(claimed, session=session)
    refreshed = session.execute(sa.text(load_sql("geoops.detect", "refresh_incidents")), {"ids": touched})
    rows = [dict(r) for r in refreshed.mappings()]
    scores = score_incidents(touched, params.priority, session=session)
    for row in rows:  # the events carry the scores just written
        row["priority"], row["priority_score"] = scores[row["id"]]
    grown = [r["id"] for r in rows if r["hotspot_count"] != r["previous_hotspot_count"]]
    session.execute(sa.text(load_sql("geoops.detect", "perimeter_history")), {"ids": grown})
    reports_sql, alarms_sql = load_sql("geoops.detect", "follow_evidence").split(";")
    linked_reports = session.execute(sa.text(reports_sql), {"ids": touched}).mappings().all()
    session.execute(sa.text(alarms_sql), {"ids": touched})
    merged_away = [i for ids in merged.values() for i in ids]
    extend_incident_jurisdictions(touched, merged_away, session=session)  # perimeters are final
    record_pass_events(rows, set(created), merged, linked_reports, session=session)
    fresh = set(created)
    updated = [i for i in touched if i not in fresh]
    learn_heat_source_candidates(created + updated, params.candidates, session=session)
    return DetectionResult(
        len(claimed.hotspots),
        created,
        updated,
        merged,
        reports=len(claimed.reports),
        alarms=len(claimed.alarms),
    )


def _link(claimed: Claimed, params: DetectParams, *, session: Session) -> list[Component]:
    """The batch table, the links among its items and to active incidents, and their components."""
    sql_params = {
        "hotspot_ids": claimed.fire_hotspots,
        "report_ids": claimed.fire_reports,
        "alarm_ids": claimed.alarms,
        "distance_m": params.link_distance_m,
        "fusion_m": params.fusion_distance_m,
        "window_s": params.link_window_hours * 3600,
        "fusion_window_s": params.fusion_window_hours * 3600,
        "inactive_s": params.inactive_after_hours * 3600,
    }
    for statement in load_sql("geoops.detect", "batch").split(";"):
        session.execute(sa.text(statement), sql_params)
    links = session.execute(sa.text(load_sql("geoops.detect", "links")), sql_params).all()
    items = [("h", i) for i in claimed.fire_hotspots] + [("r", i) for i in claimed.fire_reports]
    items += [("a", i) for i in claimed.alarms]
    return connected_components(items, [((r.a_kind, r.a), (r.b_kind, r.b)) for r in links])
