"""Known heat sources and water held in memory: where a hotspot is not a fire.

A pass classifies thousands of hotspots; asking the database to probe two GiST indexes
per hotspot cost more than the rest of the claim. The layers change rarely, so each
process keeps them in STRtrees and tests the new hotspots in one vectorised query,
reloading a layer only when its features changed (count, highest id and newest row
version, checked with one small query per pass).

Heat sources: within the feature's ``radius_m`` (a number, at most 5 km) or the default
radius, measured in metres at the hotspot's latitude (within 0.1 % of the geodesic
distance at these ranges). Water: the hotspot's point inside a water feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.layer_cache import cached_layers
from geoops.detect.local_metres import metres_per_degree

MAX_RADIUS_M = 5000.0
RADIUS = re.compile(r"^\d{1,5}(\.\d+)?$")  # as sql/claim_hotspots.sql accepted it


@dataclass(frozen=True)
class StaticAreas:
    heat: shapely.STRtree
    heat_radius_m: NDArray[np.float64]  # NaN: the default radius
    water: shapely.STRtree

    def reasons(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], default_radius_m: float
    ) -> list[str | None]:
        """``heat_source``, ``water`` or None for each point."""
        found: list[str | None] = [None] * len(lon)
        points = shapely.points(lon, lat)
        for i in self._near_heat(lon, lat, points, default_radius_m):
            found[i] = "heat_source"
        if len(self.water.geometries):
            inside, _ = self.water.query(points, predicate="intersects")
            for i in np.unique(inside).tolist():
                found[i] = found[i] or "water"
        return found

    def _near_heat(
        self,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        points: NDArray[np.object_],
        default_m: float,
    ) -> NDArray[np.int64]:
        if not len(self.heat.geometries) or not len(lon):
            return np.empty(0, dtype=np.int64)
        per_lon, per_lat = metres_per_degree(lat)
        dx, dy = MAX_RADIUS_M / per_lon, MAX_RADIUS_M / per_lat
        boxes = shapely.box(lon - dx, lat - dy, lon + dx, lat + dy)
        point_of, source = self.heat.query(boxes)
        if not len(point_of):
            return np.empty(0, dtype=np.int64)
        radius = np.fmin(MAX_RADIUS_M, np.where(np.isnan(self.heat_radius_m), default_m, self.heat_radius_m))
        scale = np.column_stack([per_lon[point_of], per_lat[point_of]])
        origin = np.column_stack([lon[point_of], lat[point_of]])
        geometries = self.heat.geometries.take(source)
        local = _scaled(geometries, origin, scale)  # in metres around its hotspot, the origin
        gaps = shapely.distance(local, shapely.points(np.zeros((len(point_of), 2))))
        return np.unique(point_of[gaps <= radius[source]])


def _scaled(
    geometries: NDArray[np.object_], origin: NDArray[np.float64], scale: NDArray[np.float64]
) -> NDArray[np.object_]:
    """Each geometry moved so its hotspot is at 0,0 and stretched to metres there."""
    counts = shapely.get_num_coordinates(geometries)
    row_origin, row_scale = np.repeat(origin, counts, axis=0), np.repeat(scale, counts, axis=0)
    return np.asarray(shapely.transform(geometries, lambda xy: (xy - row_origin) * row_scale))


def static_areas(heat_layer_id: int, water_layer_ids: list[int], *, session: Session) -> StaticAreas:
    """The heat sources and water of these layers, from memory while they are unchanged."""
    key = ("static", heat_layer_id, tuple(sorted(water_layer_ids)))
    return cached_layers(
        key,
        [heat_layer_id, *water_layer_ids],
        lambda: _load(heat_layer_id, water_layer_ids, session),
        session=session,
    )


def _load(heat_layer_id: int, water_layer_ids: list[int], session: Session) -> StaticAreas:
    heat = session.execute(
        sa.text(
            "SELECT ST_AsBinary(geom), properties ->> 'radius_m' FROM layer_features WHERE layer_id = :id"
        ),
        {"id": heat_layer_id},
    ).all()
    water = session.execute(
        sa.text("SELECT ST_AsBinary(geom) FROM layer_feature_parts WHERE layer_id = ANY(:ids)"),
        {"ids": water_layer_ids},
    ).scalars()
    radius = [float(r) if r is not None and RADIUS.match(r) else np.nan for _, r in heat]
    return StaticAreas(
        heat=shapely.STRtree(shapely.from_wkb([bytes(g) for g, _ in heat])),
        heat_radius_m=np.array(radius, dtype=np.float64),
        water=shapely.STRtree(shapely.from_wkb([bytes(g) for g in water])),
    )
