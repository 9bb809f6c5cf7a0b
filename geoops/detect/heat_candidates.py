"""Learned persistence: a spot that burns on many days without spreading is proposed as a
known heat source (a flare, a boiler house) for a clerk to accept or reject.

Called by the detection pass with the incidents it touched, so its cost follows the pass.
The rules are in ``sql/heat_candidates.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import EventKind
from geoops.store.sqlfiles import load_sql


@dataclass(frozen=True)
class CandidateParams:
    min_days: int = 3  # distinct UTC days with a detection
    max_extent_m: float = 1000.0  # the farthest two hotspot points may lie apart
    min_radius_m: float = 500.0  # a proposed source suppresses at least this far around it
    pixel_margin_m: float = 375.0  # added to the farthest point: a pixel reaches beyond its centre


def propose_heat_source_candidates(
    incident_ids: list[int], params: CandidateParams, *, session: Session
) -> list[tuple[str, dict[str, Any]]]:
    """Propose the persistent, non-spreading ones of ``incident_ids`` as heat-source
    candidates (refreshing the figures of those already proposed). Returns an event for
    each new one, for the caller to append after its own. Never commits."""
    if not incident_ids:
        return []
    rows = session.execute(
        sa.text(load_sql("geoops.detect", "heat_candidates")),
        {
            "ids": incident_ids,
            "min_days": params.min_days,
            "max_extent_m": params.max_extent_m,
            "min_radius_m": params.min_radius_m,
            "pixel_margin_m": params.pixel_margin_m,
            "reach_m": params.max_extent_m + params.pixel_margin_m + params.min_radius_m,
        },
    ).mappings()
    events: list[tuple[str, dict[str, Any]]] = [
        (
            EventKind.HEAT_SOURCE_CANDIDATE,
            {
                "candidate_id": r["id"],
                **{k: r[k] for k in ("incident_id", "days", "detections", "longitude", "latitude")},
            },
        )
        for r in rows
    ]
    return events
