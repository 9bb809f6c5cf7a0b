"""Benchmark: geoops FIRMS ingest against a raw ``COPY`` of the same file, in one run.

Generates a realistic VIIRS NRT CSV (default 250,000 rows, a global day), then on a
throwaway embedded PostGIS cluster times, each best of ``--repeat``:
  1. baseline: ``psql \\copy`` of the file into a bare table of text columns;
  2. ``geoops ingest firms`` (parse, validate, COPY to staging, set-based insert with
     geometry, footprint and natural-key conflict check) into an empty table;
  3. the same ingest again (every row a duplicate).
Prints the ratios geoops / baseline. Run: ``.venv/bin/python bench/ingest_firms.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoops.store.cluster import EmbeddedCluster  # noqa: E402

HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight"


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Fires in clusters (as real detections are), over one day, VIIRS-like values."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([-60, -180], [70, 180], size=(rows // 20 + 1, 2))
    pick = rng.integers(0, len(centres), rows)
    lat = np.clip(centres[pick, 0] + rng.normal(0, 0.02, rows), -89.9, 89.9)
    lon = np.clip(centres[pick, 1] + rng.normal(0, 0.02, rows), -179.9, 179.9)
    minutes = np.sort(rng.integers(0, 24 * 60, rows))
    frame = pd.DataFrame(
        {
            "latitude": lat.round(5),
            "longitude": lon.round(5),
            "bright_ti4": rng.uniform(300, 367, rows).round(2),
            "scan": rng.uniform(0.32, 0.8, rows).round(2),
            "track": rng.uniform(0.36, 0.78, rows).round(2),
            "acq_date": "2021-09-28",
            "acq_time": [f"{m // 60:02d}{m % 60:02d}" for m in minutes],
            "satellite": "N",
            "confidence": rng.choice(["low", "nominal", "high"], rows, p=[0.1, 0.8, 0.1]),
            "version": "2.0NRT",
            "bright_ti5": rng.uniform(260, 300, rows).round(2),
            "frp": rng.gamma(1.2, 4.0, rows).round(2),
            "daynight": rng.choice(["D", "N"], rows),
        }
    )
    frame.to_csv(path, index=False, header=HEADER.split(","))


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    csv_path = work / "viirs.csv"
    make_csv(csv_path, args.rows)
    work.chmod(0o755)
    csv_path.chmod(0o644)
    cluster = EmbeddedCluster(work / "pg")
    cluster.up()
    try:
        results = run(cluster, csv_path, args.repeat)
    finally:
        cluster.destroy()
    print(json.dumps(results, indent=2))


def run(cluster: EmbeddedCluster, csv_path: Path, repeat: int) -> dict[str, float | int]:
    import os

    geoops = str(ROOT / ".venv" / "bin" / "geoops")
    psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.conninfo("bench")]
    columns = ", ".join(f"{c} text" for c in HEADER.split(","))
    env = {**os.environ, "GEOOPS_DATABASE_URL": cluster.url("bench")}
    copy_s, first_s, again_s = [], [], []
    for _ in range(repeat):
        cluster.drop_database("bench")
        cluster.create_database("bench")
        subprocess.run([geoops, "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([*psql, "-c", f"CREATE TABLE raw_firms ({columns})"], check=True)
        copy_s.append(
            timed([*psql, "-c", f"\\copy raw_firms FROM '{csv_path}' WITH (FORMAT csv, HEADER)"])[0]
        )
        seconds, out = timed([geoops, "ingest", "firms", str(csv_path)], env)
        first_s.append(seconds)
        inserted = json.loads(out)["inserted"]
        seconds, out = timed([geoops, "ingest", "firms", str(csv_path)], env)
        again_s.append(seconds)
        assert json.loads(out)["inserted"] == 0
    base = min(copy_s)
    return {
        "rows": inserted,
        "raw_copy_s": round(base, 3),
        "geoops_ingest_s": round(min(first_s), 3),
        "geoops_reingest_s": round(min(again_s), 3),
        "ingest_ratio": round(min(first_s) / base, 2),
        "reingest_ratio": round(min(again_s) / base, 2),
    }


if __name__ == "__main__":
    main()
