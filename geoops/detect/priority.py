"""Incident priority: an explainable score 0-100, its class, and the nearest settlements.

The score is the sum of six components, each rounded to whole points (defaults):

| component | max | from |
|---|---:|---|
| ``settlement`` | 35 | the most threatened of the nearest settlements: max x population factor x 0.5^(km / 15) |
| ``protected`` | 15 | nearest protected-layer feature within 50 km: max x 0.5^(km / 5); inside = full |
| ``fwi`` | 15 | fire-weather index at the centroid, by EFFIS class: very low 0 ... extreme 15 |
| ``intensity`` | 15 | ``max_frp`` on a log scale: 1 MW or less 0, 1000 MW or more full |
| ``growth`` | 10 | ``growth_ha`` (area gained in the last pass), log scale: 1 ha 0, 1000 ha full |
| ``area`` | 10 | ``area_ha``, log scale: 1 ha 0, 10 000 ha full |

The population factor is 0.5 for 1,000 people or fewer (or unknown) and rises on a log
scale to 1 at a million. Distances are geodesic from the incident's perimeter (a point for
ground-only incidents). Classes: ``low`` < 25 <= ``medium`` < 50 <= ``high`` < 75 <=
``critical``. Every component is stored with its points, its maximum and the raw values it
came from; a missing layer or raster scores 0 with ``"available": false``, a point where
the raster has no data scores 0 with ``"value": null``. ``docs/priority.md`` has the detail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.fire_weather import FWI_CLASSES, fwi_class, sample_fwi
from geoops.detect.settlement_index import SettlementIndex, Weigh, population_of, settlement_index
from geoops.store.sqlfiles import load_sql

COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
CLASSES = ("low", "medium", "high", "critical")
PROTECTED_CANDIDATES = 5  # KNN candidates (planar, in degrees) re-ranked by geodesic distance
# One statement for all the incidents of a pass, its rows one JSON document: psycopg would
# escape a text[] of JSON strings element by element in Python (measured: 80 ms a pass).
STORE_PRIORITY = (
    "UPDATE incidents AS i SET priority = u.priority, priority_score = u.score, "
    "priority_components = u.components, nearest_settlements = u.nearest "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(id bigint, priority text, score int, "
    "components jsonb, nearest jsonb) WHERE i.id = u.id"
)


@dataclass(frozen=True)
class PriorityParams:
    settlements_layer: str = "settlements"
    protected_layers: tuple[str, ...] = ("protected_areas",)
    fwi_raster: Path | None = None
    # Points of each component; they add up to 100.
    settlement_points: int = 35
    protected_points: int = 15
    fwi_points: int = 15
    intensity_points: int = 15
    growth_points: int = 10
    area_points: int = 10
    settlement_half_km: float = 15.0  # a settlement this far away counts half
    population_range: tuple[int, int] = (1_000, 1_000_000)  # population factor 0.5 .. 1
    protected_half_km: float = 5.0
    protected_search_km: float = 50.0  # further protected features are not looked for (0 points)
    frp_range_mw: tuple[float, float] = (1.0, 1000.0)  # log scale: 0 .. full points
    growth_range_ha: tuple[float, float] = (1.0, 1000.0)
    area_range_ha: tuple[float, float] = (1.0, 10_000.0)
    class_cuts: tuple[int, int, int] = (25, 50, 75)  # medium, high, critical from here
    settlement_candidates: int = 20  # KNN candidates re-ranked by geodesic distance
    nearest_count: int = 3  # settlements listed with each incident

    def __post_init__(self) -> None:
        weights = (self.settlement_points, self.protected_points, self.fwi_points,
                   self.intensity_points, self.growth_points, self.area_points)  # fmt: skip
        if sum(weights) != 100 or min(weights) < 0:
            raise ValueError(f"priority component points must add up to 100, not {sum(weights)}")


@dataclass(frozen=True)
class Settlement:
    name: str | None
    distance_km: float
    population: int | None = None
    bearing_deg: float | None = None  # from the incident's centroid towards the settlement
    region: str | None = None


@dataclass(frozen=True)
class PriorityInputs:
    settlements: tuple[Settlement, ...] = ()  # nearest first
    settlements_available: bool = True
    protected_distance_km: float | None = None  # nearest protected feature; 0 inside
    protected_name: str | None = None
    protected_layer: str | None = None
    protected_available: bool = True
    fwi: float | None = None  # None: no data at the place (ocean, outside the grid)
    fwi_available: bool = True
    max_frp: float | None = None
    growth_ha: float = 0.0
    area_ha: float = 0.0


@dataclass(frozen=True)
class Priority:
    score: int
    level: str
    components: dict[str, dict[str, Any]]
    nearest_settlements: list[dict[str, Any]]


def compute_priority(inputs: PriorityInputs, params: PriorityParams) -> Priority:
    """Score, class, components and nearest settlements of one incident (pure)."""
    components = {
        "settlement": _settlement(inputs, params),
        "protected": _protected(inputs, params),
        "fwi": _fwi(inputs, params),
        "intensity": _log_points("frp_mw", inputs.max_frp, params.frp_range_mw, params.intensity_points),
        "growth": _log_points("growth_ha", inputs.growth_ha, params.growth_range_ha, params.growth_points),
        "area": _log_points("area_ha", inputs.area_ha, params.area_range_ha, params.area_points),
    }
    score = min(100, sum(int(c["points"]) for c in components.values()))
    nearest = [_listed(s) for s in inputs.settlements[: params.nearest_count]]
    return Priority(score, priority_class(score, params.class_cuts), components, nearest)


def priority_class(score: int, cuts: tuple[int, int, int] = (25, 50, 75)) -> str:
    """``low`` below the first cut, ``medium`` from it, ``high``, ``critical`` from the last."""
    return CLASSES[sum(score >= cut for cut in cuts)]


def compass(bearing_deg: float) -> str:
    """The 8-point compass direction of a bearing in degrees (0 = north, clockwise)."""
    return COMPASS[round((bearing_deg % 360) / 45) % 8]


def _points(share: float, maximum: int) -> dict[str, Any]:
    return {"points": round(max(0.0, min(1.0, share)) * maximum), "max": maximum}


def _log_points(key: str, value: float | None, span: tuple[float, float], maximum: int) -> dict[str, Any]:
    """Points on a log scale: none at ``span[0]`` or below, all at ``span[1]`` or above."""
    low, full = span
    share = 0.0 if value is None or value <= low else math.log(value / low) / math.log(full / low)
    return {**_points(share, maximum), key: None if value is None else round(value, 2)}


def _halved(distance_km: float, half_km: float) -> float:
    """Distance decay: 1 at 0 km, 0.5 at ``half_km``, 0.25 at twice that."""
    return math.pow(0.5, distance_km / half_km)


def _population_factor(population: int | None, params: PriorityParams) -> float:
    """0.5 for a small or unknown population, rising on a log scale to 1 for a large one
    (plain floats: called for every listed settlement of every incident; :func:`threat_weights`
    is the same rule on arrays, tested equal)."""
    small, large = params.population_range
    if population is None or population <= small:
        return 0.5
    return 0.5 + 0.5 * min(1.0, math.log(population / small) / math.log(large / small))


def _threat(settlement: Settlement, params: PriorityParams) -> float:
    """Share of the settlement points one settlement earns: population x distance decay."""
    decay = _halved(settlement.distance_km, params.settlement_half_km)
    return _population_factor(settlement.population, params) * decay


def threat_weights(params: PriorityParams) -> Weigh:
    """:func:`_threat` of many candidates at once, from their metres and populations (NaN
    unknown): what picks the one settlement a priority weighs among an incident's nearest."""
    small, large = params.population_range

    def threats(metres: NDArray[np.float64], population: NDArray[np.float64]) -> NDArray[np.float64]:
        known = np.nan_to_num(population, nan=0.0)
        rise = np.log(np.maximum(known, small) / small) / math.log(large / small)
        factor = np.where(known <= small, 0.5, 0.5 + 0.5 * np.minimum(1.0, rise))
        return factor * np.power(0.5, metres / 1000.0 / params.settlement_half_km)

    return threats


def _settlement(inputs: PriorityInputs, params: PriorityParams) -> dict[str, Any]:
    if not inputs.settlements_available or not inputs.settlements:
        found = {"name": None, "population": None, "distance_km": None}
        return {**_points(0.0, params.settlement_points), "available": inputs.settlements_available, **found}
    top = max(inputs.settlements, key=lambda s: _threat(s, params))
    return {
        **_points(_threat(top, params), params.settlement_points),
        "available": True,
        "name": top.name,
        "population": top.population,
        "distance_km": round(top.distance_km, 1),
        "population_factor": round(_population_factor(top.population, params), 3),
        "distance_factor": round(_halved(top.distance_km, params.settlement_half_km), 3),
    }


def _protected(inputs: PriorityInputs, params: PriorityParams) -> dict[str, Any]:
    distance = inputs.protected_distance_km if inputs.protected_available else None
    share = 0.0 if distance is None else _halved(distance, params.protected_half_km)
    return {
        **_points(share, params.protected_points),
        "available": inputs.protected_available,
        "distance_km": None if distance is None else round(distance, 1),
        "inside": distance == 0.0 if distance is not None else None,
        "name": inputs.protected_name if distance is not None else None,
        "layer": inputs.protected_layer if distance is not None else None,
    }


def _fwi(inputs: PriorityInputs, params: PriorityParams) -> dict[str, Any]:
    value = inputs.fwi if inputs.fwi_available else None
    level = None if value is None else fwi_class(value)
    rank = 0 if level is None else [name for name, _ in FWI_CLASSES].index(level)
    return {
        **_points(rank / (len(FWI_CLASSES) - 1), params.fwi_points),
        "available": inputs.fwi_available,
        "value": None if value is None else round(value, 2),
        "class": level,
    }


def _listed(settlement: Settlement) -> dict[str, Any]:
    bearing = settlement.bearing_deg
    return {
        "name": settlement.name,
        "region": settlement.region,
        "population": settlement.population,
        "distance_km": round(settlement.distance_km, 1),
        "bearing_deg": None if bearing is None else round(bearing % 360),
        "direction": None if bearing is None else compass(bearing),
    }


def score_incidents(
    incident_ids: list[int], params: PriorityParams, *, session: Session
) -> dict[int, tuple[str, int]]:
    """Compute and store the priority of these incidents: one query in, one UPDATE out.
    Returns each incident's (class, score)."""
    return start_scoring(incident_ids, params, session=session).store(session=session)


class Scoring:
    """Priorities being computed in a worker thread (settlement distances, the FWI raster,
    the components: pure Python and numpy) while the caller's connection runs other
    statements of the pass; :meth:`store` waits for them and writes them."""

    def __init__(self, future: Future[tuple[list[dict[str, Any]], str]] | None) -> None:
        self._future = future

    def store(self, *, session: Session) -> dict[int, tuple[str, int]]:
        """Write the priorities (one UPDATE); each incident's (class, score)."""
        if self._future is None:
            return {}
        stored, document = self._future.result()
        session.execute(sa.text(STORE_PRIORITY), {"rows": document})
        return {r["id"]: (r["priority"], r["score"]) for r in stored}


_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoops-priority")


def start_scoring(incident_ids: list[int], params: PriorityParams, *, session: Session) -> Scoring:
    """Read what these incidents' priorities come from (now, on ``session``) and compute
    them in a worker thread."""
    rows = _read_inputs(incident_ids, params, session=session) if incident_ids else []
    if not rows:
        return Scoring(None)
    layer = rows[0]["settlement_layer_id"]
    index = settlement_index(layer, session=session) if layer is not None else None
    return Scoring(_WORKER.submit(_document, rows, index, params))


def _document(
    rows: list[dict[str, Any]], index: SettlementIndex | None, params: PriorityParams
) -> tuple[list[dict[str, Any]], str]:
    """The priorities and the JSON document that stores them, both made in the worker."""
    stored = _compute(rows, index, params)
    return stored, json.dumps(stored, ensure_ascii=False)


def _compute(
    rows: list[dict[str, Any]], index: SettlementIndex | None, params: PriorityParams
) -> list[dict[str, Any]]:
    located = [r for r in rows if r["lon"] is not None]
    for row in rows:
        row["settlements"] = []
    if index is not None and located:
        nearby = index.nearby(
            list(shapely.convex_hull(shapely.from_wkb([bytes(r["shape"]) for r in located]))),
            [(float(r["lon"]), float(r["lat"])) for r in located],
            params.settlement_candidates,
            bearings=params.nearest_count,
            weigh=threat_weights(params),  # the listed ones and the most threatened: all a score needs
        )
        for row, settlements in zip(located, nearby, strict=True):
            row["settlements"] = settlements
    places = [None if r["lon"] is None else (float(r["lon"]), float(r["lat"])) for r in rows]
    fwi = sample_fwi(params.fwi_raster, places)
    stored: list[dict[str, Any]] = []
    for number, row in enumerate(rows):
        inputs = _inputs(row, None if fwi is None else fwi[number], fwi_available=fwi is not None)
        priority = compute_priority(inputs, params)
        stored.append({"id": row["id"], "priority": priority.level, "score": priority.score,
                       "components": priority.components, "nearest": priority.nearest_settlements})  # fmt: skip
    return stored


def _read_inputs(
    incident_ids: list[int], params: PriorityParams, *, session: Session
) -> list[dict[str, Any]]:
    values = {
        "ids": list(incident_ids),
        "settlements_layer": params.settlements_layer,
        "protected_layers": list(params.protected_layers),
        "protected_candidates": PROTECTED_CANDIDATES,
        "protected_search_m": params.protected_search_km * 1000.0,
    }
    result = session.execute(sa.text(load_sql("geoops.detect", "priority_inputs")), values)
    return [dict(r) for r in result.mappings()]


def _inputs(row: Mapping[str, Any], fwi: float | None, *, fwi_available: bool) -> PriorityInputs:
    distance_m = row["protected_distance_m"]
    return PriorityInputs(
        settlements=tuple(_settlement_of(item) for item in row["settlements"]),
        settlements_available=bool(row["settlements_available"]),
        protected_distance_km=None if distance_m is None else float(distance_m) / 1000.0,
        protected_name=row["protected_name"],
        protected_layer=row["protected_layer"],
        protected_available=bool(row["protected_available"]),
        fwi=fwi,
        fwi_available=fwi_available,
        max_frp=row["max_frp"],
        growth_ha=float(row["growth_ha"] or 0.0),
        area_ha=float(row["area_ha"] or 0.0),
    )


def _settlement_of(item: Mapping[str, Any]) -> Settlement:
    bearing = item.get("bearing_deg")
    return Settlement(
        name=item.get("name"),
        distance_km=float(item["distance_m"]) / 1000.0,
        population=population_of(item.get("population")),
        bearing_deg=None if bearing is None else float(bearing),
        region=item.get("region"),
    )
