"""The naive baseline of issue 6: one DBSCAN over every hotspot of a FIRMS CSV.

Haversine distance between hotspot points, ``eps`` = 1 km (geoops' linking distance),
``min_samples`` = 1, time ignored; no heat-source registry, no FIRMS static-type filter,
no sensors or reports. Every cluster is an incident (status ``confirmed``) whose geometry
is the convex hull of its pixel footprints (scan x track km around each point, as geoops
builds them), so ``bench/score.py`` scores it like geoops' own export.

Run: ``.venv/bin/python bench/naive_dbscan.py hotspots.csv > naive.geojson``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sklearn.cluster import DBSCAN

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenario_world import footprints

EARTH_RADIUS_M = 6_371_008.8


def cluster_labels(lat: np.ndarray, lon: np.ndarray, eps_m: float = 1000.0) -> np.ndarray:
    """DBSCAN labels (one per point; min_samples 1, so no noise label)."""
    if not len(lat):
        return np.zeros(0, dtype=int)
    points = np.radians(np.column_stack([lat, lon]))
    model = DBSCAN(eps=eps_m / EARTH_RADIUS_M, min_samples=1, metric="haversine", algorithm="ball_tree")
    return np.asarray(model.fit_predict(points))


def naive_incidents(frame: pd.DataFrame, eps_m: float = 1000.0) -> dict[str, Any]:
    """A FeatureCollection with one confirmed incident per cluster of the FIRMS rows."""
    frame = frame.reset_index(drop=True)
    labels = cluster_labels(frame["latitude"].to_numpy(float), frame["longitude"].to_numpy(float), eps_m)
    boxes = footprints(frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float),
                       frame["scan"].to_numpy(float), frame["track"].to_numpy(float))  # fmt: skip
    times = _observed_at(frame)
    features = []
    for number, label in enumerate(np.unique(labels), start=1):
        rows = np.flatnonzero(labels == label)
        hull = shapely.convex_hull(shapely.geometrycollections(boxes[rows]))
        first, last = times.iloc[rows].min(), times.iloc[rows].max()
        properties = {
            "id": number, "number": f"naive-{number}", "status": "confirmed", "sources": ["satellite"],
            "hotspot_count": len(rows), "first_observed_at": _iso(first), "last_observed_at": _iso(last),
            "first_observed_by_source": {"satellite": _iso(first), "sensor": None, "report": None},
            "evidence_counts": {"hotspot": len(rows), "sensor": 0, "report": 0},
        }  # fmt: skip
        features.append({"type": "Feature", "id": number, "geometry": shapely.geometry.mapping(hull),
                         "properties": properties})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _observed_at(frame: pd.DataFrame) -> pd.Series:
    hhmm = frame["acq_time"].astype(int).astype(str).str.zfill(4)
    return pd.to_datetime(frame["acq_date"].astype(str) + hhmm, format="%Y-%m-%d%H%M", utc=True)


def _iso(t: pd.Timestamp) -> str:
    return str(t.isoformat()).replace("+00:00", "Z")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "hotspots", type=Path, help="FIRMS CSV (any header with latitude, longitude, scan, track)"
    )
    parser.add_argument("--eps-m", type=float, default=1000.0)
    args = parser.parse_args()
    print(json.dumps(naive_incidents(pd.read_csv(args.hotspots), args.eps_m)))


if __name__ == "__main__":
    main()
