"""Benchmark: incident detection quality on generated scenarios, geoops vs the naive baseline.

For each seed: generate a scenario (``bench/scenario.py``) in a temporary folder, create a
fresh database in a throwaway embedded PostGIS, and drive geoops through its CLI as a user
would, with ``GEOOPS_DATABASE_URL`` set:

1. ``geoops layers load`` (the bundled lakes, regions and settlements), ``geoops
   jurisdictions load`` of the regions, and ``geoops layers import heat_sources
   heat_sources.geojson`` (the registered sources);
2. ``geoops replay stations.csv hotspots.csv observations.csv reports.geojson --speed 0``
   (with an older replay that takes FIRMS files only: ``geoops ingest stations|reports|
   observations`` first, then the replay of ``hotspots.csv``);
3. the clerk: ``geoops heat-sources list``, then ``geoops heat-sources accept ID`` for each
   candidate within 2 km of a real heat source and ``reject ID`` for the others (a clerk
   who checks the ground; ``--clerk all`` accepts every one, ``--clerk none`` skips this);
4. ``geoops incidents export``, scored by ``bench/score.py``; the naive baseline
   (``bench/naive_dbscan.py``) on the same ``hotspots.csv`` is scored alike.

Prints a table (per seed and the mean) and writes every figure to ``--json``.

Run: ``.venv/bin/python bench/detection_quality.py --seeds 1 2 3 [--days 5] [--fires 40]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.naive_dbscan import naive_incidents  # noqa: E402
from bench.scenario import generate, write  # noqa: E402
from bench.scenario_world import ScenarioParams, metres_per_degree  # noqa: E402
from bench.score import score  # noqa: E402
from geoops.store import migrate  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402

GEOOPS = str(ROOT / ".venv" / "bin" / "geoops")
METRICS = ("recall", "precision", "fragmentation", "merged", "median_iou", "earliness_h")
HEADINGS = ("recall", "precision", "fragmentation", "merged", "median IoU", "earlier (h)")
GROUND_FILES = ("stations.csv", "observations.csv", "reports.geojson")


class Geoops:
    """The ``geoops`` command against one database."""

    def __init__(self, database_url: str) -> None:
        self.env = {**os.environ, "GEOOPS_DATABASE_URL": database_url}

    def __call__(self, *args: str | Path) -> str:
        done = subprocess.run([GEOOPS, *map(str, args)], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"geoops {' '.join(map(str, args))} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def knows(self, *args: str, word: str) -> bool:
        """Whether ``geoops ARGS --help`` mentions ``word`` (a feature this version has)."""
        done = subprocess.run([GEOOPS, *args, "--help"], env=self.env, capture_output=True, text=True)
        return done.returncode == 0 and word in done.stdout


def run_seed(
    cluster: EmbeddedCluster, params: ScenarioParams, work: Path, *, layers: bool, clerk_mode: str
) -> dict[str, Any]:
    folder = work / f"seed{params.seed}"
    summary = write(generate(params), folder)
    database = f"quality_{params.seed}"
    geoops = Geoops(fresh_database(cluster, database))
    if layers:
        geoops("layers", "load")
        geoops(
            "jurisdictions", "load", ROOT / "layers" / "data" / "russia_regions.geojson", "--level", "region"
        )
    if json.loads((folder / "heat_sources.geojson").read_text())["features"]:
        geoops("layers", "import", "heat_sources", folder / "heat_sources.geojson")
    replay_s = feed(geoops, folder)
    truth = json.loads((folder / "truth.json").read_text())
    decided = clerk(geoops, truth, clerk_mode)
    exported = geoops("incidents", "export")
    cluster.drop_database(database)
    naive = naive_incidents(pd.read_csv(folder / "hotspots.csv"))
    (folder / "incidents.geojson").write_text(exported)
    (folder / "naive.geojson").write_text(json.dumps(naive))
    return {
        "seed": params.seed, "scenario": summary, "replay_s": round(replay_s, 1), "heat_source_candidates": decided,
        "geoops": score(json.loads(exported), truth), "naive": score(naive, truth),
    }  # fmt: skip


def fresh_database(cluster: EmbeddedCluster, name: str) -> str:
    cluster.drop_database(name)
    cluster.create_database(name)
    engine = sa.create_engine(cluster.url(name))
    migrate.upgrade(engine)
    engine.dispose()
    return cluster.url(name)


def feed(geoops: Geoops, folder: Path) -> float:
    """Replay every file at speed 0 (seconds taken); an older replay takes FIRMS files only,
    so the ground evidence is ingested before it."""
    started = time.perf_counter()
    if geoops.knows("replay", word="observations"):
        geoops("replay", folder / "hotspots.csv", *(folder / name for name in GROUND_FILES), "--speed", "0")
    else:
        for kind, name in zip(("stations", "observations", "reports"), GROUND_FILES, strict=True):
            geoops("ingest", kind, folder / name)
        geoops("replay", folder / "hotspots.csv", "--speed", "0")
    return time.perf_counter() - started


def clerk(geoops: Geoops, truth: dict[str, Any], mode: str) -> dict[str, int] | None:
    """Decide every learned heat-source candidate: ``truth`` accepts those within 2 km of a
    real heat source and rejects the rest (a clerk who checks the ground, or imagery);
    ``all`` accepts every one; ``none`` leaves them. None when this geoops cannot learn."""
    if mode == "none" or not geoops.knows(word="heat-sources"):
        return None
    candidates = json.loads(geoops("heat-sources", "list"))["features"]
    decided = {"candidates": len(candidates), "accepted": 0, "rejected": 0}
    for candidate in candidates:
        lon, lat = candidate["geometry"]["coordinates"][:2]
        real = mode == "all" or _near_heat_source(lon, lat, truth["heat_sources"])
        geoops("heat-sources", "accept" if real else "reject", str(candidate["properties"]["id"]))
        decided["accepted" if real else "rejected"] += 1
    return decided


def _near_heat_source(
    lon: float, lat: float, sources: list[dict[str, Any]], within_m: float = 2000.0
) -> bool:
    east, north = metres_per_degree(lat)
    return any(math.hypot((s["lon"] - lon) * east, (s["lat"] - lat) * north) <= within_m for s in sources)


def mean_row(runs: list[dict[str, Any]], who: str) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for metric in METRICS:
        values = [r[who][metric] for r in runs if r[who][metric] is not None]
        means[metric] = round(statistics.fmean(values), 4) if values else None
    return means


def show(runs: list[dict[str, Any]]) -> Table:
    table = Table(title="Incident detection quality: geoops vs naive DBSCAN", title_justify="left")
    for column in ("seed", "hotspots", "who", "counted", *HEADINGS):
        table.add_column(column, justify="left" if column == "who" else "right")
    cell = lambda v: "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))  # noqa: E731
    for run in runs:
        for who in ("geoops", "naive"):
            result = run[who]
            counted = str(result["counted_incidents"])
            table.add_row(str(run["seed"]), str(run["scenario"]["hotspots"]), who, counted,
                          *(cell(result[m]) for m in METRICS))  # fmt: skip
    for who in ("geoops", "naive"):
        table.add_row("mean", "", who, "", *(cell(v) for v in mean_row(runs, who).values()), style="bold")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--fires", type=int, default=40)
    parser.add_argument("--no-layers", action="store_true", help="skip the bundled layers and jurisdictions")
    parser.add_argument(
        "--json", type=Path, default=Path(tempfile.gettempdir()) / "geoops-detection-quality.json"
    )
    parser.add_argument(
        "--clerk", choices=("truth", "all", "none"), default="truth", help="who decides candidates"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scenarios (and print where)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    cluster = EmbeddedCluster(work / "pg")
    cluster.up(fast=True)  # quality, not speed: durability does not matter here
    try:
        runs = []
        for seed in args.seeds:
            params = ScenarioParams(seed=seed, days=args.days, fires=args.fires)
            runs.append(run_seed(cluster, params, work, layers=not args.no_layers, clerk_mode=args.clerk))
            figures = {k: runs[-1]["geoops"][k] for k in METRICS}
            print(
                f"seed {seed}: {json.dumps(figures)}, {runs[-1]['heat_source_candidates']}", file=sys.stderr
            )
    finally:
        cluster.destroy()
    results = {"runs": runs, "mean": {who: mean_row(runs, who) for who in ("geoops", "naive")}}
    args.json.write_text(json.dumps(results, indent=2))
    Console(width=120).print(show(runs))
    print(f"figures: {args.json}" + (f"; scenarios: {work}" if args.keep else ""))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
