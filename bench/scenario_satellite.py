"""What VIIRS sees in a scenario: overpasses with their pixel grids and clouds, fire-front
pixels with misses, industrial heat sources, and isolated noise. See ``scenario.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely

from bench.scenario_world import Fire, ScenarioParams, footprints, metres_per_degree, metric

SWATH_KM = 1500.0  # half the VIIRS swath
ORBIT_DEG = 25.4  # longitude between successive orbits
N20_AHEAD_DEG = 12.7  # NOAA-20 leads S-NPP by half an orbit (~50 min at the same local time)
ODDS = {"gas_flare": (0.55, 0.85), "boiler_house": (0.1, 0.75)}  # detection by day, by night


@dataclass(frozen=True)
class Overpass:
    at: datetime
    satellite: str
    nadir_lon: float
    day: bool
    grid: tuple[float, float]  # the pixel grid's offset, as fractions of a pixel
    clouds: np.ndarray  # rows of lon, lat, radius_km

    def across(self, lon: float, lat: float) -> float:
        """Distance from the ground track, as a fraction of the half swath (> 1: unseen)."""
        km = abs((lon - self.nadir_lon + 180) % 360 - 180) * metres_per_degree(lat)[0] / 1000
        return float(km / SWATH_KM)

    def pixel(self, lon: float, lat: float) -> tuple[float, float] | None:
        """scan, track (km) of this overpass's pixels at a place; None outside the swath."""
        u = self.across(lon, lat)
        return None if u > 1 else (round(0.375 * (1 + 1.13 * u * u), 2), round(0.375 * (1 + 1.08 * u * u), 2))

    def cloudy(self, lon: float, lat: float) -> bool:
        dx = (self.clouds[:, 0] - lon) * 111.32 * math.cos(math.radians(lat))
        dy = (self.clouds[:, 1] - lat) * 111.32
        return bool(np.any(dx * dx + dy * dy < self.clouds[:, 2] ** 2))

    def cells(self, size: tuple[float, float], lat_ref: float) -> tuple[float, float, float, float]:
        """The grid near ``lat_ref``: cell width and height (degrees) and origin."""
        east, north = metres_per_degree(lat_ref)
        dlon, dlat = size[0] * 1000 / east, size[1] * 1000 / north
        return dlon, dlat, self.grid[0] * dlon, self.grid[1] * dlat

    def cell_centre(
        self, lon: float, lat: float, size: tuple[float, float], shift: int = 0
    ) -> tuple[float, float]:
        """Centre of the grid cell holding the place (``shift`` cells east)."""
        dlon, dlat, olon, olat = self.cells(size, lat)
        i, j = math.floor((lon - olon) / dlon) + shift, math.floor((lat - olat) / dlat)
        return olon + (i + 0.5) * dlon, olat + (j + 0.5) * dlat


def make_overpasses(p: ScenarioParams, rng: np.random.Generator) -> list[Overpass]:
    """S-NPP and NOAA-20 orbits at ~13:30 (day) and ~01:30 (night) local solar time at
    nadir, 25.4 degrees of longitude apart, that reach the region."""
    west, south, east, north = p.bbox
    centre = (west + east) / 2
    reach = SWATH_KM * 1000 / metres_per_degree(north)[0] + (east - west) / 2
    passes = []
    for day in range(-1, p.days + 1):
        midnight = p.start + timedelta(days=day)
        for daytime, local_hours in ((True, 13.5), (False, 1.5)):
            phase = rng.uniform(0, ORBIT_DEG)
            for satellite, ahead in (("N", 0.0), ("N20", N20_AHEAD_DEG)):
                for m in range(-8, 9):
                    nadir = centre + phase + ahead + m * ORBIT_DEG
                    at = (midnight + timedelta(hours=local_hours - nadir / 15)).replace(
                        second=0, microsecond=0
                    )
                    if abs(nadir - centre) > reach or not p.start <= at < p.end:
                        continue
                    n = rng.poisson(4)
                    clouds = np.column_stack(
                        [
                            rng.uniform(west - 2, east + 2, n),
                            rng.uniform(south - 1, north + 1, n),
                            rng.uniform(40, 140, n),
                        ]
                    )
                    grid = (float(rng.random()), float(rng.random()))
                    passes.append(Overpass(at, satellite, (nadir + 180) % 360 - 180, daytime, grid, clouds))
    return sorted(passes, key=lambda o: (o.at, o.satellite))


@dataclass
class Detections:
    """FIRMS rows, and what the truth needs to know about them."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    per_fire: dict[str, list[datetime]] = field(default_factory=dict)
    observable: dict[str, list[Any]] = field(default_factory=dict)  # footprints a perfect detector sees
    per_source: dict[str, int] = field(default_factory=dict)
    noise: int = 0

    def add(self, o: Overpass, place: tuple[float, float], size: tuple[float, float], frp: float, conf: str,
            fire_type: int = 0) -> None:  # fmt: skip
        base, span = (318.0, 24.0) if o.day else (300.0, 26.0)
        bright = min(367.0, base + span * math.log1p(frp / 4))  # I4 saturates at 367 K
        t31 = (285.0 if o.day else 268.0) + 3 * math.log1p(frp)
        self.rows.append((
            round(place[1], 5), round(place[0], 5), round(bright, 2), size[0], size[1], o.at.strftime("%Y-%m-%d"),
            o.at.strftime("%H%M"), o.satellite, "VIIRS", conf, "2", round(t31, 2), round(frp, 2),
            "D" if o.day else "N", fire_type,
        ))  # fmt: skip


def detect_fires(
    fires: list[Fire], passes: list[Overpass], rng: np.random.Generator, out: Detections
) -> None:
    """Each overpass's pixels meeting each fire's burning zone; a pixel is seen with a
    probability that falls at the swath edge and for a barely burning pixel."""
    for fire in fires:
        out.per_fire[fire.id], out.observable[fire.id] = [], []
        for o in passes:
            zone, size = fire.burning_zone(o.at), o.pixel(fire.lon, fire.lat)
            if zone is None or size is None or o.cloudy(fire.lon, fire.lat):
                continue
            centres, fracs = grid_cells_meeting(zone, o, size, fire.lat)
            lon, lat = np.round(centres[:, 0], 5), np.round(centres[:, 1], 5)
            out.observable[fire.id].extend(footprints(lon, lat, *size))
            p0 = (0.85 if o.day else 0.93) * (1 - 0.25 * o.across(fire.lon, fire.lat) ** 2)
            seen = rng.random(len(fracs)) < p0 * (0.45 + 0.55 * np.minimum(1.0, fracs / 0.1))
            for x, y, frac in zip(lon[seen], lat[seen], fracs[seen], strict=True):
                frp = max(0.3, float(rng.lognormal(math.log(4 + 30 * frac), 0.7)) * (1.3 if o.day else 0.8))
                conf = "h" if frp > 45 else ("l" if frp < 1.5 and o.day else "n")
                out.add(o, (float(x), float(y)), size, frp, conf)
                out.per_fire[fire.id].append(o.at)


def grid_cells_meeting(zone: Any, o: Overpass, size: tuple[float, float], lat_ref: float) -> tuple[Any, Any]:
    """Centres of the overpass grid's cells that meet ``zone``, and each one's burning fraction."""
    dlon, dlat, olon, olat = o.cells(size, lat_ref)
    minx, miny, maxx, maxy = zone.bounds
    i = np.arange(math.floor((minx - olon) / dlon), math.floor((maxx - olon) / dlon) + 1)
    j = np.arange(math.floor((miny - olat) / dlat), math.floor((maxy - olat) / dlat) + 1)
    ii, jj = (a.ravel() for a in np.meshgrid(i, j))
    x0, y0 = olon + ii * dlon, olat + jj * dlat
    boxes = shapely.box(x0, y0, x0 + dlon, y0 + dlat)
    shapely.prepare(zone)
    hit = shapely.intersects(zone, boxes)
    fracs = shapely.area(shapely.intersection(boxes[hit], zone)) / (dlon * dlat)
    return np.column_stack([x0[hit] + dlon / 2, y0[hit] + dlat / 2]), fracs


@dataclass(frozen=True)
class HeatSource:
    id: str
    kind: str  # gas_flare | boiler_house
    name: str
    lon: float
    lat: float
    registered: bool
    firms_type: int  # 2 when FIRMS flags it as a static source
    radius_m: float


def place_heat_sources(p: ScenarioParams, fires: list[Fire], rng: np.random.Generator) -> list[HeatSource]:
    """Flares and boiler houses 8 km or more from any fire; about half registered."""
    west, south, east, north = p.bbox
    taken = [metric(f.final, p) for f in fires]
    sources: list[HeatSource] = []
    for n in range(p.count(p.heat_sources)):
        for _ in range(100):
            lon, lat = rng.uniform(west + 0.2, east - 0.2), rng.uniform(south + 0.2, north - 0.2)
            here = metric(shapely.Point(lon, lat), p)
            if taken and np.any(shapely.dwithin(np.array(taken), here, 8000)):
                continue
            kind = "gas_flare" if n % 2 == 0 else "boiler_house"
            radius = 1200.0 if kind == "gas_flare" else 800.0
            registered, typed = bool(rng.random() < 0.5), 2 if rng.random() < 0.3 else 0
            name = f"{kind.replace('_', ' ')} {n + 1}"
            sources.append(HeatSource(f"H{n + 1:03d}", kind, name, lon, lat, registered, typed, radius))
            taken.append(here)
            break
    return sources


def detect_heat_sources(
    sources: list[HeatSource], passes: list[Overpass], rng: np.random.Generator, out: Detections
) -> None:
    """Each source in the cell of the overpass grid that holds it (a flare now and then in
    the next cell too), on most nights."""
    for s in sources:
        out.per_source[s.id] = 0
        for o in passes:
            size = o.pixel(s.lon, s.lat)
            if size is None or o.cloudy(s.lon, s.lat) or rng.random() > ODDS[s.kind][0 if o.day else 1]:
                continue
            shifts = [0] + (
                [int(rng.choice([-1, 1]))] if s.kind == "gas_flare" and rng.random() < 0.1 else []
            )
            for shift in shifts:
                frp = float(rng.lognormal(math.log(9 if s.kind == "gas_flare" else 2.5), 0.5))
                conf = "h" if frp > 20 else ("l" if rng.random() < 0.15 else "n")
                out.add(o, o.cell_centre(s.lon, s.lat, size, shift), size, frp, conf, fire_type=s.firms_type)
                out.per_source[s.id] += 1


def add_noise(
    p: ScenarioParams, taken: list[Any], passes: list[Overpass], rng: np.random.Generator, out: Detections
) -> list[Any]:
    """Isolated single low-confidence detections (sun glint, hot ground), mostly by day,
    5 km or more from ``taken`` (metric geometries) and from each other; returns their places."""
    west, south, east, north = p.bbox
    kept = list(taken)
    day_passes = [o for o in passes if o.day] or passes
    for _ in range(p.count(p.noise_per_day * p.days)):
        for _ in range(100):
            among = day_passes if rng.random() < 0.7 else passes
            o = among[int(rng.integers(len(among)))]
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            size, here = o.pixel(lon, lat), metric(shapely.Point(lon, lat), p)
            if (
                size is None
                or o.cloudy(lon, lat)
                or (kept and np.any(shapely.dwithin(np.array(kept), here, 5000)))
            ):
                continue
            out.add(o, o.cell_centre(lon, lat, size), size, float(rng.uniform(0.4, 3.0)), "l")
            out.noise += 1
            kept.append(here)
            break
    return kept[len(taken) :]
