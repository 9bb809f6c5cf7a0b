"""The settlements layer in memory: the nearest candidates of many incidents at once.

Priority weighs the nearest settlements of every incident a pass touches (hundreds).
Asking the database for each incident's nearest features and measuring each on the
ellipsoid cost about two thirds of the priority statement; the layer (a thousand points)
changes rarely, so each process keeps it, reloaded when its features change.

Candidates: the ``k`` nearest by great-circle distance from the incident's centre (a
KD-tree over unit vectors: chord order is great-circle order). Distance: from the incident's
convex hull (0 inside) — the nearest point of the hull found in metres at the settlement's
latitude, then the geodesic distance to it on the WGS84 ellipsoid; bearing (of the nearest
few, the ones an incident lists): geodesic, from the centre to the settlement. A caller that
needs only the most threatened candidate besides the listed ones (priority) passes a
``weigh`` of all candidates at once and gets just those, not ``k`` dicts an incident.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from pyproj import Geod
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from geoops.detect.layer_cache import cached_layers
from geoops.detect.local_metres import metres_per_degree

GEOD = Geod(ellps="WGS84")
Weigh = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]  # metres, population


def population_of(value: Any) -> int | None:
    """A layer's ``population`` property as an integer; anything else is unknown."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number >= 0 else None


def unit_vectors(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


@dataclass(frozen=True)
class SettlementIndex:
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    properties: list[dict[str, Any]]
    population: NDArray[np.float64]  # population_of each one's property; NaN where unknown
    tree: cKDTree

    def nearby(
        self,
        hulls: list[shapely.Geometry],
        centres: list[tuple[float, float]],
        k: int,
        bearings: int,
        weigh: Weigh | None = None,
    ) -> list[list[dict[str, Any]]]:
        """For each incident (its hull and centre), its ``k`` nearest settlements, nearest
        first: name, region, population, distance_m (from the hull), bearing_deg (for the
        ``bearings`` nearest, ``None`` for the others). With ``weigh`` (of all candidates'
        metres and populations at once), only the ``bearings`` nearest and the one of the
        greatest weight among the ``k`` (the first if tied) are returned."""
        if not len(self.lon) or not hulls:
            return [[] for _ in hulls]
        k = min(k, len(self.lon))
        centre = np.array(centres, dtype=np.float64).reshape(-1, 2)
        _, near = self.tree.query(unit_vectors(centre[:, 0], centre[:, 1]), k=k)
        near = np.asarray(near).reshape(len(hulls), k)
        pairs = np.repeat(np.arange(len(hulls)), k)
        lon, lat = self.lon[near.ravel()], self.lat[near.ravel()]
        lon = lon + 360.0 * np.round((centre[pairs, 0] - lon) / 360.0)  # the incident's side of ±180°
        metres = _hull_distances(np.array(hulls, dtype=object)[pairs], lon, lat).reshape(len(hulls), k)
        order = np.argsort(metres, axis=1, kind="stable")  # nearest first
        at = (np.arange(len(hulls))[:, None] * k + order).ravel()
        towns, metres, lon, lat = near.ravel()[at], metres.ravel()[at], lon[at], lat[at]
        rank = np.arange(len(at)) % k
        listed = rank < bearings
        if weigh is not None:  # the listed ones and the heaviest, nothing else
            heaviest = np.argmax(weigh(metres, self.population[towns]).reshape(len(hulls), k), axis=1)
            kept = listed | (rank == heaviest[pairs])
            towns, metres, lon, lat, pairs, listed = (
                a[kept] for a in (towns, metres, lon, lat, pairs, listed)
            )
        azimuth, _, _ = GEOD.inv(centre[pairs[listed], 0], centre[pairs[listed], 1], lon[listed], lat[listed])
        bearing = np.full(len(towns), np.nan)
        bearing[listed] = np.mod(np.asarray(azimuth, dtype=np.float64), 360.0)
        found: list[list[dict[str, Any]]] = [[] for _ in hulls]
        for row, town, distance_m, bearing_deg in zip(pairs.tolist(), towns.tolist(), metres.tolist(),
                                                      bearing.tolist(), strict=True):  # fmt: skip
            p = self.properties[town]
            found[row].append({"name": p.get("name"), "region": p.get("region"), "population": p.get("population"),
                               "distance_m": distance_m,
                               "bearing_deg": None if math.isnan(bearing_deg) else bearing_deg})  # fmt: skip
        return found


def _hull_distances(
    hulls: NDArray[np.object_], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Geodesic metres from each hull to its point; 0 inside."""
    per_lon, per_lat = metres_per_degree(lat)
    scale = np.column_stack([per_lon, per_lat])
    counts = shapely.get_num_coordinates(hulls)
    row_scale = np.repeat(scale, counts, axis=0)
    scaled = shapely.transform(hulls, lambda xy: xy * row_scale)
    points = shapely.points(np.column_stack([lon, lat]) * scale)
    nearest = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(scaled, points), 0)) / scale
    _, _, metres = GEOD.inv(nearest[:, 0], nearest[:, 1], lon, lat)
    inside = shapely.intersects(scaled, points)
    return np.where(inside, 0.0, np.asarray(metres, dtype=np.float64))


def settlement_index(layer_id: int, *, session: Session) -> SettlementIndex:
    """The settlements of this layer (points; other shapes by a point on their surface)."""
    return cached_layers(
        ("settlements", layer_id), [layer_id], lambda: _load(layer_id, session), session=session
    )


def _load(layer_id: int, session: Session) -> SettlementIndex:
    rows = session.execute(
        sa.text(
            "SELECT ST_X(p), ST_Y(p), f.properties FROM layer_features AS f, "
            "LATERAL (SELECT ST_PointOnSurface(f.geom) AS p) AS s WHERE f.layer_id = :id ORDER BY f.id"
        ),
        {"id": layer_id},
    ).all()
    lon = np.array([float(r[0]) for r in rows], dtype=np.float64)
    lat = np.array([float(r[1]) for r in rows], dtype=np.float64)
    properties = [dict(r[2]) for r in rows]
    population = np.array(
        [population_of(p.get("population")) for p in properties], dtype=np.float64
    )  # None: NaN
    return SettlementIndex(lon, lat, properties, population, cKDTree(unit_vectors(lon, lat)))
