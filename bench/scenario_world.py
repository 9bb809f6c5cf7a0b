"""The scenario's world: parameters, the geodesy geoops uses, and fires spreading with the wind.

A fire's burned area grows along 72 rays from its ignition point. Each 15-minute step adds
to every ray the growth of an ellipse with the ignition at its rear focus and its head
downwind, ``head * (1 - e) / (1 - e cos(ray - wind))``, times fixed fuel lobes (random
low harmonics), lognormal noise, and a diurnal cycle (fastest at 16:00 local solar time,
12 % of that at night). The wind turns from day to day, so old and new growth point in
different directions and the shape is irregular. See ``scenario.py`` for the whole story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Polygon

RAYS = 72
ANGLES = np.linspace(0, 2 * np.pi, RAYS, endpoint=False)  # ray directions, anticlockwise from east
STEP = timedelta(minutes=15)
BURNING = timedelta(hours=3)  # a pixel burns (flaming, then smouldering) this long after the front
MIN_FIRE_GAP_M = 5000.0  # between final burned areas: no fire has a reason to merge with another
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ScenarioParams:
    seed: int = 1
    days: int = 5
    fires: int = 40
    scale: float = 1.0  # multiplies every count (fires, sources, noise, stations, reports)
    start: datetime = datetime(2021, 7, 10, tzinfo=UTC)
    bbox: tuple[float, float, float, float] = (120.0, 60.0, 135.0, 64.0)  # west, south, east, north
    heat_sources: int = 10
    noise_per_day: int = 20
    station_fraction: float = 0.3  # of fires with a PM2.5 station downwind
    background_stations: int = 3
    reported_fraction: float = 0.35  # of fires reported by citizens
    false_alarms: int = 4

    def count(self, n: float) -> int:
        return max(0, round(n * self.scale))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


# -- geodesy: the formulas geoops uses for footprints ----------------------------------------
def metres_per_degree(lat: Any) -> tuple[Any, Any]:
    """WGS84 metres per degree of longitude and of latitude at ``lat``."""
    phi = np.radians(lat)
    east = np.maximum(111412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi), 1.0)
    north = 111132.954 - 559.822 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
    return east, north


def footprints(lon: Any, lat: Any, scan: Any, track: Any) -> Any:
    """Pixel footprints exactly as geoops builds them: scan x track km around the point."""
    east, north = metres_per_degree(np.asarray(lat))
    dx, dy = np.asarray(scan) * 500.0 / east, np.asarray(track) * 500.0 / north
    return shapely.box(lon - dx, lat - dy, lon + dx, lat + dy)


def area_ha(geom: Any) -> float:
    return 0.0 if geom is None or geom.is_empty else abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e4


@lru_cache(maxsize=8)
def _laea(lon0: float, lat0: float) -> Transformer:
    laea = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m"
    return Transformer.from_crs("EPSG:4326", laea, always_xy=True)


def metric(geom: Any, p: ScenarioParams) -> Any:
    """``geom`` in metres of an equal-area projection centred on the region (spacing checks)."""
    west, south, east, north = p.bbox
    forward = _laea((west + east) / 2, (south + north) / 2)
    return shapely.transform(geom, lambda c: np.column_stack(forward.transform(c[:, 0], c[:, 1])))


def iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- fires ------------------------------------------------------------------------------------
@dataclass
class Fire:
    id: str
    lon: float
    lat: float
    ignition: datetime
    stopped_at: datetime | None  # None: still burning at the end
    wind: np.ndarray  # direction the fire is pushed to, per step (radians from east)
    radii: np.ndarray  # (steps + 1, RAYS) metres, at ignition + k * STEP

    def step(self, t: datetime) -> int:
        """Index of the last step at ``t``; -1 before ignition."""
        if t < self.ignition:
            return -1
        return min(int((t - self.ignition) / STEP), len(self.radii) - 1)

    def polygon(self, t: datetime) -> Polygon | None:
        k = self.step(t)
        return None if k < 0 else self.shape(self.radii[k])

    def shape(self, radii: np.ndarray) -> Polygon:
        east, north = metres_per_degree(self.lat)
        x = self.lon + radii * np.cos(ANGLES) / east
        return Polygon(np.column_stack([x, self.lat + radii * np.sin(ANGLES) / north]))

    def burning_zone(self, t: datetime) -> Any:
        """What burned in the ``BURNING`` hours up to ``t`` (None when nothing)."""
        k = self.step(t)
        if k < 1:  # not burning yet, or only just ignited
            return None
        now, before = self.shape(self.radii[k]), self.polygon(t - BURNING)
        zone = now if before is None else now.difference(before)
        return None if zone.is_empty or zone.area == 0 else zone

    @property
    def final(self) -> Polygon:
        return self.shape(self.radii[-1])

    def areas_m2(self) -> np.ndarray:
        """Burned area (m2) after every step, from the rays."""
        r = self.radii
        return 0.5 * math.sin(2 * math.pi / RAYS) * np.sum(r * np.roll(r, -1, axis=1), axis=1)

    def radius_towards(self, k: int, bearing: float) -> float:
        """Burned radius (m) at step ``k`` along ``bearing`` (radians from east)."""
        return float(
            np.interp(
                bearing % (2 * np.pi),
                np.append(ANGLES, 2 * np.pi),
                np.append(self.radii[k], self.radii[k][0]),
            )
        )


def simulate_fire(
    fire_id: str, place: tuple[float, float], ignition: datetime, stop: datetime, wind_by_day: np.ndarray,
    p: ScenarioParams, rng: np.random.Generator,
) -> Fire:  # fmt: skip
    """Spread along the rays from ``ignition`` until ``stop``."""
    lon, lat = place
    steps = max(1, math.ceil((stop - ignition) / STEP))
    head_per_day = min(rng.lognormal(math.log(1300), 0.85), 15000.0)  # metres a day at the head
    lb = rng.uniform(1.4, 3.0)  # length-to-breadth ratio
    e = math.sqrt(1 - 1 / lb**2)
    fuel = np.exp(
        sum(rng.normal(0, 0.22 / m) * np.cos(m * ANGLES + rng.uniform(0, 2 * np.pi)) for m in range(1, 5))
    )
    times = [ignition + k * STEP for k in range(steps)]
    rate = head_per_day * diurnal(np.array([_local_hours(t, lon) for t in times]))
    day = np.array([min(int((t - p.start) / timedelta(days=1)), len(wind_by_day) - 1) for t in times])
    wind = wind_by_day[day] + rng.normal(0, math.radians(20)) + np.cumsum(rng.normal(0, 0.01, steps))
    shape = (1 - e) / (1 - e * np.cos(ANGLES[None, :] - wind[:, None]))
    growth = rate[:, None] * shape * fuel[None, :] * rng.lognormal(0, 0.15, (steps, RAYS))
    radii = 15.0 + np.vstack([np.zeros(RAYS), np.cumsum(growth, axis=0)])
    return Fire(fire_id, lon, lat, ignition, stop if stop < p.end else None, np.append(wind, wind[-1]), radii)


def diurnal(local_hours: np.ndarray) -> np.ndarray:
    """Share of a day's head spread in a step at these local solar hours (sums to 1 a day)."""
    weight = lambda h: 0.12 + 0.88 * np.exp(-(((h - 16) / 3.5) ** 2))  # noqa: E731
    per_day = weight(np.arange(24 * 4) / 4).sum()
    return weight(local_hours) / per_day


def _local_hours(t: datetime, lon: float) -> float:
    return (t.hour + t.minute / 60 + lon / 15) % 24


def place_fires(p: ScenarioParams, rng: np.random.Generator) -> list[Fire]:
    """Fires with final burned areas at least ``MIN_FIRE_GAP_M`` apart."""
    west, south, east, north = p.bbox
    wind_by_day = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, math.radians(30), p.days + 1))
    fires: list[Fire] = []
    finals: list[Any] = []
    for n in range(p.count(p.fires)):
        for _ in range(50):
            place = (rng.uniform(west + 0.3, east - 0.3), rng.uniform(south + 0.2, north - 0.2))
            ignition = ignition_time(p, place[0], rng)
            burns = (
                timedelta(minutes=round(rng.uniform(0.5, 3) * 1440))
                if rng.random() < 0.45
                else p.end - ignition
            )
            stop = min(p.end, ignition + burns)
            fire = simulate_fire(f"F{n + 1:03d}", place, ignition, stop, wind_by_day, p, rng)
            final = metric(fire.final, p)
            if not finals or not np.any(shapely.dwithin(np.array(finals), final, MIN_FIRE_GAP_M)):
                fires.append(fire)
                finals.append(final)
                break
    return fires


def ignition_time(p: ScenarioParams, lon: float, rng: np.random.Generator) -> datetime:
    """In the first 80 % of the period; 70 % in the afternoon (lightning), local solar time."""
    day = int(rng.integers(0, max(1, round(p.days * 0.8))))
    hours = rng.uniform(12, 20) if rng.random() < 0.7 else rng.uniform(0, 24)
    at = p.start + timedelta(days=day, hours=hours - lon / 15)
    at += timedelta(days=1) if at < p.start else timedelta(0)  # local afternoon of the first day
    return min(at, p.end - timedelta(hours=12)).replace(second=0, microsecond=0)
