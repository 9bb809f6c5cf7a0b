"""What people and sensors on the ground see in a scenario: PM2.5 stations near some fires
(and far from any), their 10-minute readings, and citizen reports with false alarms.

Smoke at a station rises with the fire's growth over the last hour (ha/h), falls with the
distance from the station to the burned area (``1 / (1 + (d/1 km)^2)``) and with the angle
between the wind and the fire-to-station bearing; it saturates near 2,000 ug/m3. The
truth records when geoops' default rules (PM2.5 above 150, or a rise of more than 100
within 30 minutes) first fire at each station. See ``scenario.py``.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from bench.scenario_world import STEP, Fire, ScenarioParams, iso, metres_per_degree, metric

READING = timedelta(minutes=10)
THRESHOLD, RISE, RISE_WINDOW = 150.0, 100.0, timedelta(minutes=30)  # geoops' default PM2.5 rules
TEXTS = {
    "smoke": ["Thick smoke over the forest", "Smoke column to the north", "Smell of burning, grey smoke",
              "Smoke rising behind the hill", "White smoke over the taiga"],
    "open_fire": ["Open flames at the forest edge", "Fire spreading in the pines", "Flames near the road",
                  "Crown fire, strong wind"],
}  # fmt: skip
FALSE_ALARM_TEXTS = ["Smoke on the horizon, maybe a fire", "Haze over the valley", "Grey smoke to the east"]


@dataclass(frozen=True)
class Station:
    id: str
    lon: float
    lat: float
    name: str
    fire_id: str | None  # the fire it stands near


@dataclass(frozen=True)
class Report:
    lon: float
    lat: float
    reported_at: datetime
    category: str
    text: str
    fire_id: str | None  # None: a false alarm


@dataclass
class GroundTruth:
    stations: list[Station]
    readings: list[tuple[str, datetime, float]]
    first_alarm: dict[str, datetime]  # station id -> first time the default rules fire
    reports: list[Report]

    def for_fire(self, fire_id: str) -> dict[str, Any]:
        stations = [s.id for s in self.stations if s.fire_id == fire_id]
        alarms = sorted(self.first_alarm[s] for s in stations if s in self.first_alarm)
        reports = sorted(r.reported_at for r in self.reports if r.fire_id == fire_id)
        return {"stations": stations, "alarmed_stations": len(alarms), "first_alarm_at": alarms[0] if alarms else None,
                "reports": len(reports), "first_report_at": reports[0] if reports else None}  # fmt: skip

    def write(self, out_dir: Path) -> None:
        with (out_dir / "stations.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["station_id", "lon", "lat", "name", "kind"])
            writer.writerows(
                [s.id, round(s.lon, 6), round(s.lat, 6), s.name, "air_quality"] for s in self.stations
            )
        with (out_dir / "observations.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["station_id", "observed_at", "property", "value", "unit"])
            writer.writerows(
                [s, iso(t), "pm25", v, "ug/m3"] for s, t, v in sorted(self.readings, key=lambda r: r[1])
            )
        features = [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
             "properties": {"reported_at": iso(r.reported_at), "category": r.category, "text": r.text}}
            for r in sorted(self.reports, key=lambda r: r.reported_at)
        ]  # fmt: skip
        (out_dir / "reports.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features})
        )


def make_ground(
    p: ScenarioParams, fires: list[Fire], hot_spots: list[Any], rng: np.random.Generator
) -> GroundTruth:
    """Stations, readings and reports; false alarms keep 20 km from fires and 10 km from
    ``hot_spots`` (heat sources and noise, metric), so no coincidence confirms one."""
    finals = [metric(f.final, p) for f in fires]
    ground = GroundTruth([], [], {}, [])
    watched = (
        rng.choice(len(fires), size=round(len(fires) * p.station_fraction), replace=False) if fires else []
    )
    for n in sorted(int(i) for i in watched):
        place = _station_place(p, fires[n], [g for i, g in enumerate(finals) if i != n], rng)
        if place is not None:
            station = Station(
                f"S{len(ground.stations) + 1:03d}", *place, f"PM2.5 near {fires[n].id}", fires[n].id
            )
            _add_readings(ground, station, p, fires[n], rng)
    for _ in range(p.count(p.background_stations)):
        lon, lat = _far_place(p, finals, 25_000, rng)
        station = Station(f"S{len(ground.stations) + 1:03d}", lon, lat, "PM2.5 background", None)
        _add_readings(ground, station, p, None, rng)
    reported = (
        rng.choice(len(fires), size=round(len(fires) * p.reported_fraction), replace=False) if fires else []
    )
    for n in sorted(int(i) for i in reported):
        ground.reports += _fire_reports(p, fires[n], rng)
    for _ in range(p.count(p.false_alarms)):
        lon, lat = _far_place(p, finals, 20_000, rng, also=(hot_spots, 10_000))
        when = _daytime(p.start + timedelta(hours=rng.uniform(0, 24 * p.days - 12)), lon, rng)
        ground.reports.append(Report(lon, lat, when, "smoke", str(rng.choice(FALSE_ALARM_TEXTS)), None))
    return ground


def _station_place(
    p: ScenarioParams, fire: Fire, others: list[Any], rng: np.random.Generator
) -> tuple[float, float] | None:
    """1.2-2.5 km downwind of the ignition, 15 km or more from any other fire."""
    east, north = metres_per_degree(fire.lat)
    for _ in range(20):
        bearing, distance = fire.wind[0] + rng.uniform(-0.5, 0.5), rng.uniform(1200, 2500)
        lon = fire.lon + distance * math.cos(bearing) / east
        lat = fire.lat + distance * math.sin(bearing) / north
        if not others or not np.any(
            shapely.dwithin(np.array(others), metric(shapely.Point(lon, lat), p), 15_000)
        ):
            return lon, lat
    return None


def _far_place(
    p: ScenarioParams, finals: list[Any], gap_m: float, rng: np.random.Generator,
    also: tuple[list[Any], float] = ([], 0.0),
) -> tuple[float, float]:  # fmt: skip
    """A place ``gap_m`` or more from ``finals`` (and ``also[1]`` from ``also[0]``)."""
    west, south, east, north = p.bbox
    for _ in range(200):
        lon, lat = rng.uniform(west + 0.2, east - 0.2), rng.uniform(south + 0.2, north - 0.2)
        here = metric(shapely.Point(lon, lat), p)
        if not any(
            len(g) and np.any(shapely.dwithin(np.array(g), here, d)) for g, d in ((finals, gap_m), also)
        ):
            break
    return lon, lat


def _add_readings(ground: GroundTruth, station: Station, p: ScenarioParams, fire: Fire | None,
                  rng: np.random.Generator) -> None:  # fmt: skip
    """10-minute readings: from 12 h before the fire's ignition to 2 days after (36 h
    somewhere in the period for a background station)."""
    if fire is not None:
        first, last = fire.ignition - timedelta(hours=12), min(p.end, fire.ignition + timedelta(days=2))
    else:
        first = p.start + timedelta(hours=rng.uniform(0, max(0, 24 * p.days - 36)))
        last = min(p.end, first + timedelta(hours=36))
    first = max(p.start, first)
    first = first.replace(minute=first.minute - first.minute % 10, second=0, microsecond=0)
    times = [first + k * READING for k in range(int((last - first) / READING))]
    level, wobble = rng.uniform(4, 14), 0.0
    areas = fire.areas_m2() if fire else None
    values = []
    for t in times:
        wobble = 0.8 * wobble + rng.normal(0, 1.2)
        local = (t.hour + t.minute / 60 + station.lon / 15) % 24
        base = level * (1 + 0.3 * math.sin(2 * math.pi * (local - 14) / 24)) + wobble
        values.append(round(max(0.5, base + (_smoke(fire, areas, station, t) if fire else 0.0)), 1))
    kept = [(t, v) for t, v in zip(times, values, strict=True) if rng.random() > 0.01]  # a few readings lost
    ground.stations.append(station)
    ground.readings += [(station.id, t, v) for t, v in kept]
    alarm = first_alarm(kept)
    if alarm is not None:
        ground.first_alarm[station.id] = alarm


def _smoke(fire: Fire, areas: Any, station: Station, t: datetime) -> float:
    k = fire.step(t)
    if k < 1 or t - fire.ignition >= len(areas) * STEP:  # not burning yet, or stopped
        return 0.0
    growth_ha_h = (areas[k] - areas[max(0, k - 4)]) / 1e4 / (min(k, 4) / 4)
    east, north = metres_per_degree(fire.lat)
    dx, dy = (station.lon - fire.lon) * east, (station.lat - fire.lat) * north
    bearing = math.atan2(dy, dx)
    gap = max(0.0, math.hypot(dx, dy) - fire.radius_towards(k, bearing))
    off_wind = (bearing - fire.wind[k] + math.pi) % (2 * math.pi) - math.pi
    plume = math.exp(-((off_wind / 0.8) ** 2)) + 0.03
    raw = 400 * growth_ha_h * plume / (1 + (gap / 1500) ** 2)
    return 2000 * (1 - math.exp(-raw / 2000))


def first_alarm(readings: list[tuple[datetime, float]]) -> datetime | None:
    """When geoops' default PM2.5 rules first fire on these readings (time order)."""
    for i, (t, v) in enumerate(readings):
        if v > THRESHOLD:
            return t
        window = [w for s, w in readings[max(0, i - 6) : i] if s >= t - RISE_WINDOW]
        if window and v - min(window) > RISE:
            return t
    return None


def _fire_reports(p: ScenarioParams, fire: Fire, rng: np.random.Generator) -> list[Report]:
    """One to three reports by day, the first 0.3-2.5 h after ignition (or the next morning)."""
    burns_until = min(fire.stopped_at or p.end, p.end)
    east, north = metres_per_degree(fire.lat)
    when = _daytime(fire.ignition + timedelta(hours=rng.uniform(0.3, 2.5)), fire.lon, rng)
    reports = []
    for _ in range(int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))):
        if when >= burns_until:
            break
        bearing, distance = rng.uniform(0, 2 * math.pi), rng.uniform(200, 1500)
        lon, lat = (
            fire.lon + distance * math.cos(bearing) / east,
            fire.lat + distance * math.sin(bearing) / north,
        )
        category = "smoke" if rng.random() < 0.6 else "open_fire"
        reports.append(Report(lon, lat, when, category, str(rng.choice(TEXTS[category])), fire.id))
        when = _daytime(when + timedelta(hours=rng.uniform(0.3, 6)), fire.lon, rng)
    return reports


def _daytime(t: datetime, lon: float, rng: np.random.Generator) -> datetime:
    """``t``, or the next morning (06-08 local solar time) when nobody is up to report."""
    local = (t.hour + t.minute / 60 + lon / 15) % 24
    if 6 <= local < 23:
        return t.replace(second=0, microsecond=0)
    wait = (6 - local) % 24 + rng.uniform(0, 2)
    return (t + timedelta(hours=wait)).replace(second=0, microsecond=0)
