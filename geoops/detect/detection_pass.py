"""One detection pass: new evidence becomes new, grown, merged or confirmed incidents.

Evidence is every hotspot, report and sensor alarm no pass has seen yet. The pass reads
only those (plus the incidents they touch), so its cost grows with the batch, not with
the table. An advisory lock lets any number of processes run it without double work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.assignment import Assignment, assign_components, attach_evidence
from geoops.detect.batch_links import Reach, links_within_batch
from geoops.detect.claims import Claimed, Evidence, claim_new_evidence, mark_seen, marking_seen
from geoops.detect.components import Component, cluster_labels, connected_components
from geoops.detect.evidence_sums import Sums, sums_by_incident
from geoops.detect.footprint_union import union_by_incident
from geoops.detect.heat_candidates import CandidateParams, propose_heat_source_candidates
from geoops.detect.incident_events import record_pass_events
from geoops.detect.incident_links import links_to_incidents, near_pieces
from geoops.detect.linking_pieces import Pieces, start_cutting
from geoops.detect.perimeter_growth import Growing, Growth, Share, grow, start_growth, start_union
from geoops.detect.priority import PriorityParams, start_scoring
from geoops.detect.shape_cache import (
    Changes,
    ShapeCache,
    begin_pass,
    new_ground_points,
    shapes_for,
    stage_changes,
)
from geoops.domain import DetectionResult
from geoops.store.binary_arrays import int8_array
from geoops.store.jurisdictions import extend_incident_jurisdictions
from geoops.store.sqlfiles import load_sql

LOCK_KEY = 0x6E0_0D37  # pg_advisory_xact_lock key reserved for detection passes
# a block of n ids of the shapes' sequence: its first
RESERVE_SHAPE_IDS = (
    "SELECT setval(s, nextval(s) + :n - 1) - :n + 1 "
    "FROM CAST(pg_get_serial_sequence('incident_shapes', 'id') AS regclass) AS s"
)


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
    with _collector_paused():
        return _detection_pass(params, session=session)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A pass makes tens of thousands of small objects at once: a cyclic garbage collection
    in the middle of it (measured: 140 ms) costs more than most of its statements."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _detection_pass(params: DetectParams, *, session: Session) -> DetectionResult:
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    # JIT compiles for a quarter of a second on these large estimates and saves nothing;
    # a parallel worker costs more to start than the few rows a statement here reads.
    session.execute(sa.text("SET LOCAL jit = off"))
    session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
    claimed = claim_new_evidence(
        limit=params.batch_size, heat_layer=params.heat_source_layer, heat_radius_m=params.heat_source_radius_m,
        water_layers=params.water_layers, fire_categories=params.fire_report_categories, session=session,
    )  # fmt: skip
    if claimed.nothing:
        return DetectionResult(0, [], [], {})
    if not len(claimed.evidence):  # nothing to link: the claimed hotspots are only marked seen
        mark_seen(claimed.seen, session=session)
    assignment = Assignment()
    touched: list[int] = []
    shapes: ShapeCache | None = None
    added = Added()
    if len(claimed.evidence):  # only a pass with fire evidence changes incident shapes
        shapes = _shapes(claimed.evidence, params, session=session)
        # the new footprints of each cluster of linked new items are merged in two worker
        # threads while the pass links them to incidents and the database opens and merges
        # incidents (one component becomes one incident); then, while it attaches the
        # evidence, met there with the perimeters so far
        components, union, clusters = _link(claimed, params, shapes, session=session)
        assignment = assign_components(
            components, claimed.evidence, region_level=params.region_level, session=session
        )
        touched = sorted({i for c in components for i in c.incidents})
        absorbed = [i for ids in assignment.merged.values() for i in ids]
        so_far = _perimeters_so_far(touched + absorbed, session=session)
        incident_of = [next(iter(c.incidents)) for c in components]  # one each, once assigned
        growth = start_growth(union, clusters, incident_of, so_far, assignment.merged)
        added = _attach(assignment, claimed, growth, so_far, session=session)
    created, merged = assignment.created, assignment.merged
    rows = _refresh(touched, assignment, added, session=session)
    # the pieces the next passes measure to and the priorities are computed in worker
    # threads while this connection runs the statements that need neither
    survivor_of = {a: s for s, absorbed in merged.items() for a in absorbed}
    pieces = start_cutting(added.growth, shapes.piece_counts(survivor_of)) if shapes is not None else None
    scoring = start_scoring(touched, params.priority, session=session)
    grown = [r["id"] for r in rows if r["hotspot_count"] != r["previous_hotspot_count"]]
    session.execute(sa.text(load_sql("geoops.detect", "perimeter_history")), {"ids": grown})
    reports_sql, alarms_sql = load_sql("geoops.detect", "follow_evidence").split(";")
    linked_reports = session.execute(sa.text(reports_sql), {"ids": touched}).mappings().all()
    session.execute(sa.text(alarms_sql), {"ids": touched})
    merged_away = [i for ids in merged.values() for i in ids]
    extend_incident_jurisdictions(touched, merged_away, added.sums.boxes, session=session)
    fresh = set(created)
    updated = [i for i in touched if i not in fresh]
    # learning needs no priority either; its events follow the incidents' own
    new_day = [r["id"] for r in rows if r["days"] != r["previous_days"]]
    candidates = propose_heat_source_candidates(
        created + updated, params.candidates, new_day=new_day, session=session
    )
    if shapes is not None and pieces is not None:
        ground = new_ground_points(shapes, session=session)  # before the pieces join them
        cut = pieces.result()
        stored = _store_pieces(cut, session=session)
        changes = Changes(
            generation=shapes.generation + 1,
            merged=survivor_of,
            recut=set(cut.recut),
            last_seen={r["id"]: r["last_seen"] for r in rows},
        )
        cut_pieces = (stored, np.array(cut.incidents, dtype=np.int64),
                      np.array(cut.kinds, dtype="<U1"), cut.geoms)  # fmt: skip
        stage_changes(shapes, changes, ground, cut_pieces)
    scores = scoring.store(session=session)
    for row in rows:  # the events carry the scores just written
        row["priority"], row["priority_score"] = scores[row["id"]]
    record_pass_events(rows, fresh, merged, linked_reports, candidates, session=session)
    return DetectionResult(
        len(claimed.hotspots),
        created,
        updated,
        merged,
        reports=len(claimed.reports),
        alarms=len(claimed.alarms),
    )


def _shapes(evidence: Evidence, params: DetectParams, *, session: Session) -> ShapeCache:
    """The incidents' shapes as the last pass left them, for evidence from the batch's
    earliest time on (an incident last observed before it minus the longer of the
    inactivity time and the fusion window can join nothing)."""
    generation = begin_pass(session=session)
    reach_back_s = max(params.inactive_after_hours, params.fusion_window_hours) * 3600
    return shapes_for(generation, float(evidence.times.min()) - reach_back_s, session=session)


def _link(
    claimed: Claimed, params: DetectParams, shapes: ShapeCache, *, session: Session
) -> tuple[list[Component], list[Share], NDArray[np.int64]]:
    """The links among new items and to active incidents (in memory), and their components;
    the union of each cluster's footprints started (the new items linked among themselves:
    each component is one or more of them) and the component of each cluster. The database
    marks the claimed hotspots seen meanwhile."""
    evidence = claimed.evidence
    reach = Reach(
        link_m=params.link_distance_m,
        link_s=params.link_window_hours * 3600,
        fusion_m=params.fusion_distance_m,
        fusion_s=params.fusion_window_hours * 3600,
    )
    with marking_seen(claimed.seen, session=session):
        within = links_within_batch(evidence, reach)
        cluster_of = cluster_labels(len(evidence), within)
        union = start_union(cluster_of, evidence.boxes)
        near = near_pieces(evidence, reach, shapes)
    joins = links_to_incidents(
        evidence, reach, near, inactive_s=params.inactive_after_hours * 3600, session=session
    )
    components = connected_components(len(evidence), within, joins)
    clusters = np.zeros(int(cluster_of.max(initial=-1)) + 1, dtype=np.int64)
    for index, component in enumerate(components):
        clusters[cluster_of[component.rows]] = index
    return components, union, clusters


@dataclass(frozen=True)
class Added:
    """What the evidence attached in a pass adds to each incident: its footprints merged and
    its perimeter grown by them, and its figures and box summed."""

    growth: Growth = field(default_factory=Growth)
    sums: Sums = field(default_factory=Sums)


def _store_pieces(cut: Pieces, *, session: Session) -> NDArray[np.int64]:
    """Store the pieces (``sql/store_pieces.sql``) under a block of ids reserved for them
    (passes, which alone add shapes, take turns under their lock): their ids."""
    first = 0
    if cut.incidents:
        first = session.execute(sa.text(RESERVE_SHAPE_IDS), {"n": len(cut.incidents)}).scalar_one()
    session.execute(sa.text(load_sql("geoops.detect", "store_pieces")), {**cut.params, "first": first})
    return np.arange(first, first + len(cut.incidents), dtype=np.int64)


def _perimeters_so_far(touched: list[int], *, session: Session) -> dict[int, bytes]:
    """The WKB of each polygonal perimeter among these incidents (those absorbed too), as
    the last pass left it."""
    rows = session.execute(
        sa.text(
            "SELECT id, ST_AsBinary(geom) FROM incidents "
            "WHERE id = ANY(CAST(:ids AS bigint[])) AND ST_Dimension(geom) = 2"
        ),
        {"ids": int8_array(touched)},
    )
    return {i: bytes(w) for i, w in rows.all()}


def _attach(
    assignment: Assignment,
    claimed: Claimed,
    growth: Growing,
    so_far: dict[int, bytes],
    *,
    session: Session,
) -> Added:
    """Attach the evidence (meanwhile worker threads merge each component's new footprints
    and meet them with its incident's perimeter so far: what the refresh writes); also what
    the attached evidence adds to each incident (:func:`sums_by_incident`)."""
    evidence = claimed.evidence
    rows = np.array(assignment.rows, dtype=np.int64)
    incidents = np.array(assignment.incidents, dtype=np.int64)
    attach_evidence(assignment, evidence, session=session)
    if assignment.partly is None:  # summed while the worker threads finish
        sums = sums_by_incident(incidents, rows, evidence, claimed.facts)
        return Added(growth.result(), sums)
    # some evidence was attached already (it never is while passes hold their lock): only
    # what this pass attached adds to a perimeter and to the figures
    mine = assignment.partly
    new = union_by_incident(incidents[mine], evidence.boxes[rows[mine]])
    return Added(
        Growth(new, grow(new, so_far, assignment.merged)),
        sums_by_incident(incidents[mine], rows[mine], evidence, claimed.facts),
    )


def _refresh(
    touched: list[int],
    assignment: Assignment,
    added: Added,
    *,
    session: Session,
) -> list[dict[str, Any]]:
    """Incidents brought up to date from what this pass changed (``sql/refresh_incidents.sql``):
    the refreshed rows."""
    if not touched:
        return []
    pairs = [(s, a) for s, absorbed in assignment.merged.items() for a in absorbed]
    refreshed = session.execute(
        sa.text(load_sql("geoops.detect", "refresh_incidents")),
        {
            "ids": touched,
            **added.sums.params,
            "survivors": [s for s, _ in pairs],
            "absorbed": [a for _, a in pairs],
            **added.growth.perimeters.params,
        },
    )
    return [dict(r) for r in refreshed.mappings()]
