"""What tells a fixed heat source from a fire that burns in place, on a scenario's truth.

For every heat source of a generated scenario (``bench/scenario.py``; its hotspots within
2.5 km) and every fire seen on 3 days or more whose hotspots span 2.6 km at most (those
inside its burned polygon grown by ~1 km), prints what learning heat sources tests
(``geoops/detect/sql/heat_candidates.sql``): the distinct UTC days, the farthest two points
apart, the widest pixel, and the share of pixels (FIRMS ``scan`` east-west by ``track``
north-south, centred on the point, as geoops builds footprints) that cover the middle of
the points; and whether the rule of 1 km alone, and the rule of today, would propose it.
No database: the figures the rule depends on, measured on the scenario's own files.

Run: ``.venv/bin/python bench/learning_spots.py --seeds 1 2 3``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenario import generate, write
from bench.scenario_world import ScenarioParams
from geoops.detect.heat_candidates import CandidateParams
from geoops.detect.local_metres import metres_per_degree

SOURCE_REACH_M = 2500.0
FIRE_MARGIN_DEG = 0.01
FIRE_SPAN_M = 2600.0


def spot(frame: pd.DataFrame, rows: NDArray[np.intp], params: CandidateParams) -> dict[str, Any]:
    """The figures learning tests for these hotspots, and what each rule decides."""
    lon, lat = frame["longitude"].to_numpy()[rows], frame["latitude"].to_numpy()[rows]
    per_lon, per_lat = metres_per_degree(np.array([lat.mean()]))
    x, y = (lon - lon.mean()) * per_lon[0], (lat - lat.mean()) * per_lat[0]
    extent = float(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).max())
    scan, track = frame["scan"].to_numpy()[rows], frame["track"].to_numpy()[rows]
    widest = 1000.0 * float(max(scan.max(), track.max()))
    centred = float(np.mean((np.abs(x) <= scan * 500.0) & (np.abs(y) <= track * 500.0)))
    days = frame["acq_date"].to_numpy()[rows]
    enough = len(set(days.tolist())) >= params.min_days
    return {
        "hotspots": len(rows), "days": len(set(days.tolist())), "extent_m": round(extent),
        "widest_m": round(widest), "centred": round(centred, 2),
        "kilometre_rule": enough and extent <= params.max_extent_m,
        "todays_rule": enough and extent <= params.extent_m(widest) and centred >= params.min_centred,
    }  # fmt: skip


def spots(folder: Path, params: CandidateParams) -> list[dict[str, Any]]:
    frame = pd.read_csv(folder / "hotspots.csv")
    truth = json.loads((folder / "truth.json").read_text())
    points = shapely.points(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    tree = shapely.STRtree(points)
    found: list[dict[str, Any]] = []
    for source in truth["heat_sources"]:
        per_lon, per_lat = metres_per_degree(np.array([source["lat"]]))
        near = tree.query(
            shapely.Point(source["lon"], source["lat"]).buffer(SOURCE_REACH_M / per_lat[0]),
            predicate="contains",
        )
        dx = (frame["longitude"].to_numpy()[near] - source["lon"]) * per_lon[0]
        dy = (frame["latitude"].to_numpy()[near] - source["lat"]) * per_lat[0]
        rows = near[np.hypot(dx, dy) <= SOURCE_REACH_M]
        if len(rows) >= 2:
            found.append({"what": f"{source['id']} {source['kind']}", **spot(frame, rows, params)})
    for fire in truth["fires"]:
        rows = tree.query(shape(fire["burned"]).buffer(FIRE_MARGIN_DEG), predicate="contains")
        if len(rows) < 2:
            continue
        figures = spot(frame, rows, params)
        if figures["days"] >= params.min_days and figures["extent_m"] <= FIRE_SPAN_M:
            found.append({"what": f"{fire['id']} fire of {fire['area_ha']} ha", **figures})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    params = CandidateParams()
    with tempfile.TemporaryDirectory(prefix="geoops-learning-") as work:
        for seed in args.seeds:
            folder = Path(work) / f"seed{seed}"
            write(generate(ScenarioParams(seed=seed)), folder)
            for row in spots(folder, params):
                print(json.dumps({"seed": seed, **row}, ensure_ascii=False))


if __name__ == "__main__":
    main()
