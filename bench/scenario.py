"""Seeded wildfire scenarios with ground truth, for scoring incident detection (issue 6).

A scenario covers a few days of a boreal region (default: Sakha Republic, 60-64N,
120-135E, 10-15 July 2021; the Natural Earth lakes layer has no lake there):

- **Fires** (``scenario_world.py``) ignite over the first 80 % of the period, 70 % in the
  afternoon as lightning fires do, and spread with the wind: an ellipse with the ignition
  at its rear focus, fuel lobes, a daily wind shift and a diurnal cycle. About 45 % stop
  within 0.5-3 days. Final burned areas lie at least 5 km apart, so a correct detector
  never has a reason to merge two of them.
- **Satellite** (``scenario_satellite.py``): S-NPP and NOAA-20 (50 min ahead) at about
  13:30 and 01:30 local solar time, 2-3 orbits each per half-day at these latitudes. Each
  overpass has its own pixel grid (375 m at nadir to 0.8 km at the swath edge, as FIRMS
  ``scan``/``track``) and its own clouds (~20 % of the region). A fire shows in the pixels
  whose footprint meets its *burning zone* (what burned in the last 3 hours), each seen
  with probability 0.85 by day and 0.93 by night, less at the swath edge and for a barely
  burning pixel. Heat sources (gas flares day and night, boiler houses at night) show in
  the cell that holds them, so their position jitters by up to half a pixel; about half
  are registered (``heat_sources.geojson``, with ``radius_m``), ~30 % carry FIRMS type 2.
  Isolated single low-confidence detections lie 5 km or more from anything.
- **Ground** (``scenario_ground.py``): PM2.5 stations 1.2-2.5 km downwind of ~30 % of
  fires and a few far from any, with 10-minute readings; one to three citizen reports for
  ~35 % of fires (by day, often hours before the next overpass) and a few false alarms.

Files: ``hotspots.csv`` (FIRMS VIIRS archive header), ``heat_sources.geojson``,
``stations.csv``, ``observations.csv``, ``reports.geojson`` and ``truth.json``:

- per fire: ignition (time, place), when it stopped, the final ``burned`` polygon, the
  ``observable`` polygon (the union of the footprints, built exactly as geoops builds
  them, of every pixel that met its burning zone in a cloud-free overpass: what a detector
  with no misses would outline), satellite detections and the first one's time, its
  stations, first alarm, reports, first ground time, and ``detectable`` (at least two
  pieces of evidence: satellite detections, alarmed stations and reports, each counts);
- heat sources (registered or not, FIRMS type), the noise count, the false-alarm reports.

Run: ``.venv/bin/python bench/scenario.py OUT_DIR --seed 1 [--days 5] [--fires 40] [--scale K]``;
prints a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenario_ground import GroundTruth, make_ground
from bench.scenario_satellite import (
    Detections,
    HeatSource,
    Overpass,
    add_noise,
    detect_fires,
    detect_heat_sources,
    make_overpasses,
    place_heat_sources,
)
from bench.scenario_world import Fire, ScenarioParams, area_ha, iso, metric, place_fires

HEADER = ["latitude", "longitude", "brightness", "scan", "track", "acq_date", "acq_time", "satellite", "instrument",
          "confidence", "version", "bright_t31", "frp", "daynight", "type"]  # fmt: skip
NATURAL_KEY = ["acq_date", "acq_time", "satellite", "latitude", "longitude"]


@dataclass
class Scenario:
    params: ScenarioParams
    passes: list[Overpass]
    fires: list[Fire]
    sources: list[HeatSource]
    detections: Detections
    ground: GroundTruth


def generate(p: ScenarioParams) -> Scenario:
    """The whole scenario; each part draws from its own stream of the seed."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(p.seed).spawn(6)]
    passes = make_overpasses(p, rngs[0])
    fires = place_fires(p, rngs[1])
    sources = place_heat_sources(p, fires, rngs[2])
    detections = Detections()
    detect_fires(fires, passes, rngs[3], detections)
    detect_heat_sources(sources, passes, rngs[4], detections)
    taken = [metric(f.final, p) for f in fires] + [metric(shapely.Point(s.lon, s.lat), p) for s in sources]
    noise = add_noise(p, taken, passes, rngs[4], detections)
    ground = make_ground(p, fires, taken[len(fires) :] + noise, rngs[5])
    return Scenario(p, passes, fires, sources, detections, ground)


def write(s: Scenario, out_dir: Path) -> dict[str, Any]:
    """Write the scenario's files into ``out_dir``; returns the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(s.detections.rows, columns=HEADER)
    frame = frame.sort_values(NATURAL_KEY, kind="stable").drop_duplicates(NATURAL_KEY)
    frame.to_csv(out_dir / "hotspots.csv", index=False)
    registered = [
        _feature([h.lon, h.lat], {"name": h.name, "kind": h.kind, "radius_m": h.radius_m})
        for h in s.sources
        if h.registered
    ]
    (out_dir / "heat_sources.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": registered})
    )
    s.ground.write(out_dir)
    truth = make_truth(s, frame)
    (out_dir / "truth.json").write_text(json.dumps(truth))
    return dict(truth["summary"])


def make_truth(s: Scenario, frame: pd.DataFrame) -> dict[str, Any]:
    p = s.params
    fires = [_fire_truth(s, f) for f in s.fires]
    sources = [
        {"id": h.id, "kind": h.kind, "name": h.name, "lon": h.lon, "lat": h.lat, "registered": h.registered,
         "firms_type": h.firms_type, "radius_m": h.radius_m, "detections": s.detections.per_source[h.id]}
        for h in s.sources
    ]  # fmt: skip
    false_alarms = [
        {"lon": r.lon, "lat": r.lat, "reported_at": iso(r.reported_at)}
        for r in s.ground.reports
        if r.fire_id is None
    ]
    summary = {
        "seed": p.seed, "days": p.days, "overpasses": len({o.at for o in s.passes}), "hotspots": len(frame),
        "fire_hotspots": sum(f["detections"] for f in fires), "heat_source_hotspots": sum(s.detections.per_source.values()),
        "firms_type_2_hotspots": int((frame["type"] == 2).sum()), "noise_hotspots": s.detections.noise,
        "fires": len(fires), "detectable_fires": sum(f["detectable"] for f in fires),
        "heat_sources": len(sources), "registered_heat_sources": sum(h["registered"] for h in sources),
        "stations": len(s.ground.stations), "observations": len(s.ground.readings),
        "reports": len(s.ground.reports), "false_alarms": len(false_alarms),
    }  # fmt: skip
    scenario = {
        "seed": p.seed,
        "days": p.days,
        "start": iso(p.start),
        "end": iso(p.end),
        "bbox": list(p.bbox),
    }
    return {"scenario": scenario, "summary": summary, "fires": fires, "heat_sources": sources,
            "noise": {"count": s.detections.noise}, "false_alarm_reports": false_alarms}  # fmt: skip


def _fire_truth(s: Scenario, fire: Fire) -> dict[str, Any]:
    seen = sorted(s.detections.per_fire[fire.id])
    pixels = s.detections.observable[fire.id]
    observable = shapely.union_all(pixels) if pixels else None
    ground = s.ground.for_fire(fire.id)
    firsts = [t for t in (ground["first_alarm_at"], ground["first_report_at"]) if t is not None]
    evidence = len(seen) + ground["alarmed_stations"] + ground["reports"]
    return {
        "id": fire.id, "ignition_at": iso(fire.ignition), "ignition": [fire.lon, fire.lat],
        "stopped_at": iso(fire.stopped_at), "area_ha": round(area_ha(fire.final), 1),
        "burned": mapping(fire.final),
        "observable": mapping(observable) if observable is not None else None,
        "observable_area_ha": round(area_ha(observable), 1),
        "detections": len(seen), "first_detected_at": iso(seen[0]) if seen else None,
        "stations": ground["stations"], "first_alarm_at": iso(ground["first_alarm_at"]),
        "reports": ground["reports"], "first_report_at": iso(ground["first_report_at"]),
        "first_ground_at": iso(min(firsts)) if firsts else None, "detectable": evidence >= 2,
    }  # fmt: skip


def _feature(coordinates: list[float], properties: dict[str, Any]) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [round(c, 6) for c in coordinates]}
    return {"type": "Feature", "geometry": point, "properties": properties}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--fires", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (fires, sources, …)")
    args = parser.parse_args()
    params = ScenarioParams(seed=args.seed, days=args.days, fires=args.fires, scale=args.scale)
    print(json.dumps(write(generate(params), args.out_dir)))


if __name__ == "__main__":
    main()
