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
    """How far apart the hotspot points of a spot that does not spread may lie: within
    ``max_extent_m``, or within ``extent_pixels`` of its widest pixel where that is more.
    A fixed source is seen in the cell of the overpass's grid that holds it (its centre up
    to half a pixel away) and, when bright, now and then in the next cell; grids differ
    from overpass to overpass, so its points scatter over two pixels and more: 0.75 km at a
    VIIRS swath's centre, 1.6 km at its edge, where a fixed kilometre missed real flares."""

    min_days: int = 3  # distinct UTC days with a detection
    max_extent_m: float = 1000.0  # the farthest two hotspot points may lie apart
    extent_pixels: float = 2.5  # ... or this many of the spot's widest pixel (scan or track)
    max_pixel_m: float = 1000.0  # a wider pixel (MODIS off nadir) counts as this wide
    # the share of its detections whose pixel covers the spot's centre: a fixed source lies
    # in most of them (68-100 % for the 30 flares and boiler houses of bench/scenario.py
    # seeds 1-3, bench/learning_spots.py), a fire that burns in place for days but moves
    # within it in few (2-35 % there; a fire of a few hectares, in a pixel or two, 50-67 %:
    # proposed, as a clerk would want to look)
    min_centred: float = 0.5
    min_radius_m: float = 500.0  # a proposed source suppresses at least this far around it
    pixel_margin_m: float = 375.0  # added to the farthest point: a pixel reaches beyond its centre

    def extent_m(self, widest_pixel_m: float) -> float:
        """How far apart the points of a spot whose widest pixel is this may lie (as
        ``sql/heat_candidates.sql`` computes it per spot)."""
        return max(self.max_extent_m, self.extent_pixels * min(widest_pixel_m, self.max_pixel_m))

    @property
    def widest_extent_m(self) -> float:
        """The most any spot's points may lie apart (that of the widest pixel counted)."""
        return self.extent_m(self.max_pixel_m)


def propose_heat_source_candidates(
    incident_ids: list[int],
    params: CandidateParams,
    *,
    new_day: list[int] | None = None,
    session: Session,
) -> list[tuple[str, dict[str, Any]]]:
    """Propose the persistent, non-spreading ones of ``incident_ids`` as heat-source
    candidates (refreshing the figures of those already proposed). Returns an event for
    each new one, for the caller to append after its own. Never commits.

    ``new_day``: those of them that gained a UTC day of detections (a pass: from its
    refresh); only they are tested for a new candidate, once a day rather than at every
    overpass (a spot that qualifies later the same day is proposed with its next day's
    detections). ``None``: all of ``incident_ids``."""
    if not incident_ids:
        return []
    rows = session.execute(
        sa.text(load_sql("geoops.detect", "heat_candidates")),
        {
            "ids": incident_ids,
            "new_day": incident_ids if new_day is None else new_day,
            "min_days": params.min_days,
            "max_extent_m": params.max_extent_m,
            "extent_pixels": params.extent_pixels,
            "max_pixel_m": params.max_pixel_m,
            "widest_extent_m": params.widest_extent_m,
            "min_centred": params.min_centred,
            "min_radius_m": params.min_radius_m,
            "pixel_margin_m": params.pixel_margin_m,
            "reach_m": params.widest_extent_m + params.pixel_margin_m + params.min_radius_m,
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
