"""Benchmark: how fast detection keeps up, against a raw ``COPY`` of the same rows, in one run.

A scenario (``bench/scenario.py``) of about ``--hotspots`` (100,000) hotspots over 5 days
is generated (its counts scaled once to come near that: ~500 fires, ~120 heat sources); a throwaway embedded PostGIS with default durability
(fsync on) gets the bundled layers (lakes, regions, settlements), the regions as
jurisdictions and the registered heat sources, as a real installation has them.

- **pass**: the scenario's overpasses are grouped in time order into batches of about
  ``--batch`` (5,000) hotspots, as after a bad day over the region. Each batch is ingested
  (``ingest_firms``, one transaction), then one detection pass
  (``run_detection_pass`` with the installation's parameters) is timed in its own
  transaction, commit included. Baseline: a ``COPY`` of the same CSV into a plain
  temporary table of text columns. Reports p50 and p95 of both, and the p95 ratio.
- **replay**: on a fresh database, ``load_steps`` + ``replay(..., speed=0)`` of the whole
  ``hotspots.csv`` (a detection pass after every overpass). Baseline: a ``COPY`` of the
  whole file into a bare table of text columns.

Targets (issue 6): pass p95 <= 250 ms; replay <= 30 s.

Run: ``.venv/bin/python bench/detection_speed.py [--hotspots 100000] [--seed 1] [--batch 5000]``
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scenario import HEADER, generate, write  # noqa: E402
from bench.scenario_world import ScenarioParams  # noqa: E402
from geoops.access.jurisdiction_load import load_jurisdiction_file  # noqa: E402
from geoops.detect.detection_pass import DetectParams, run_detection_pass  # noqa: E402
from geoops.ingest.firms import ingest_firms  # noqa: E402
from geoops.registry.definitions import read_definitions  # noqa: E402
from geoops.registry.layer_import import import_definition, import_layer  # noqa: E402
from geoops.replay import load_steps, replay, replay_options  # noqa: E402
from geoops.settings import PROJECT_ROOT, Settings  # noqa: E402
from geoops.store import migrate  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402
from geoops.store.engine import transaction  # noqa: E402
from geoops.workers import detect_params  # noqa: E402

BARE = f"CREATE TEMP TABLE raw_firms ({', '.join(f'{c} text' for c in HEADER)})"
PASS_KEY = ["acq_date", "acq_time", "satellite"]


class Database:
    """A fresh, migrated database with the layers an installation has."""

    def __init__(self, cluster: EmbeddedCluster, name: str, folder: Path) -> None:
        cluster.drop_database(name)
        cluster.create_database(name)
        self.conninfo = cluster.conninfo(name)
        self.engine = sa.create_engine(cluster.url(name))
        migrate.upgrade(self.engine)
        settings = Settings(database_url=cluster.url(name))
        with transaction(self.engine) as session:
            for spec in read_definitions(PROJECT_ROOT / "layers"):
                import_definition(spec, session=session)
            regions = PROJECT_ROOT / "layers" / "data" / "russia_regions.geojson"
            load_jurisdiction_file(regions, level="region", levels=settings.levels, session=session)
            if json.loads((folder / "heat_sources.geojson").read_text())["features"]:
                import_layer("heat_sources", folder / "heat_sources.geojson", session=session)
        self.params: DetectParams = detect_params(settings)

    def copy_seconds(self, csv_bytes: bytes) -> float:
        """A raw COPY of the CSV into a plain temporary table, in its own transaction."""
        with psycopg.connect(self.conninfo) as conn, conn.cursor() as cur:
            cur.execute(BARE)
            start = time.perf_counter()
            with cur.copy("COPY raw_firms FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                copy.write(csv_bytes)
            conn.commit()
            return time.perf_counter() - start


def batches(frame: pd.DataFrame, target: int) -> Iterator[bytes]:
    """Whole overpasses in time order, grouped so each batch comes nearest ``target`` hotspots."""
    group: list[pd.DataFrame] = []
    held = 0
    for _, rows in frame.groupby(PASS_KEY, sort=True):
        if group and abs(held + len(rows) - target) > abs(held - target):
            yield _csv(pd.concat(group))
            group, held = [], 0
        group.append(rows)
        held += len(rows)
    if group:
        yield _csv(pd.concat(group))


def _csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode()


def pass_timings(db: Database, frame: pd.DataFrame, target: int) -> dict[str, Any]:
    rows, passes, copies = [], [], []
    for data in batches(frame, target):
        with transaction(db.engine) as session:
            rows.append(ingest_firms(data, source="bench", session=session).inserted)
        start = time.perf_counter()
        with transaction(db.engine) as session:
            run_detection_pass(db.params, session=session)
        passes.append(time.perf_counter() - start)
        copies.append(db.copy_seconds(data))
    p95 = lambda xs: statistics.quantiles(xs, n=20, method="inclusive")[-1]  # noqa: E731
    return {
        "batches": len(passes), "hotspots_per_batch": round(statistics.fmean(rows)),
        "pass_p50_ms": round(statistics.median(passes) * 1000, 1), "pass_p95_ms": round(p95(passes) * 1000, 1),
        "pass_max_ms": round(max(passes) * 1000, 1),
        "copy_p50_ms": round(statistics.median(copies) * 1000, 1), "copy_p95_ms": round(p95(copies) * 1000, 1),
        "p95_ratio": round(p95(passes) / p95(copies), 1),
    }  # fmt: skip


def replay_timing(db: Database, csv_path: Path) -> dict[str, Any]:
    start = time.perf_counter()
    steps = load_steps([csv_path], replay_options(Settings()))
    loaded = time.perf_counter() - start
    replay(steps, engine=db.engine, params=db.params, speed=0)
    total = time.perf_counter() - start
    copy = db.copy_seconds(csv_path.read_bytes())
    return {
        "steps": len(steps), "load_s": round(loaded, 2), "replay_s": round(total, 2), "copy_s": round(copy, 3),
        "ratio": round(total / copy, 1),
    }  # fmt: skip


def scenario_near(seed: int, days: int, hotspots: int, folder: Path) -> dict[str, Any]:
    """A scenario of about ``hotspots``: scaled from the hotspots of 40 fires, then once more."""
    scale = hotspots / 10_000
    for _ in range(2):
        summary = write(generate(ScenarioParams(seed=seed, days=days, scale=scale)), folder)
        scale *= hotspots / summary["hotspots"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--hotspots", type=int, default=100_000, help="about this many hotspots")
    parser.add_argument("--batch", type=int, default=5000, help="hotspots per timed detection pass")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    summary = scenario_near(args.seed, args.days, args.hotspots, work / "scenario")
    frame = pd.read_csv(work / "scenario" / "hotspots.csv", dtype=str, keep_default_na=False)
    cluster = EmbeddedCluster(work / "pg")
    cluster.up()
    try:
        result = {
            k: summary[k]
            for k in ("hotspots", "overpasses", "days", "fires", "heat_sources", "noise_hotspots")
        }
        result["pass"] = pass_timings(Database(cluster, "speed_pass", work / "scenario"), frame, args.batch)
        result["replay"] = replay_timing(
            Database(cluster, "speed_replay", work / "scenario"), work / "scenario" / "hotspots.csv"
        )
        print(json.dumps(result, indent=2))
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
