"""Benchmark: geoops FIRMS ingest against a raw ``COPY`` of the same file, in one run.

Generates a realistic VIIRS NRT CSV (default 250,000 rows, a global day) and, on a
throwaway embedded PostGIS cluster with default durability, takes the best of
``--repeat`` runs of each:

- ``cli``: ``psql \\copy`` of the file into a bare table of text columns (baseline) vs the
  ``geoops ingest firms`` command, both as whole processes; then the same ingest again
  (every row a duplicate);
- ``in_process``: a psycopg ``COPY`` into the bare table (baseline) vs ``ingest_firms()``,
  and the re-ingest, in this process (no interpreter start-up on either side);
- ``floor``: a binary ``COPY`` of the finished hotspot rows into an empty ``hotspots``
  table: what storing these rows costs the database with no parsing at all.

Run: ``.venv/bin/python bench/ingest_firms.py [--rows N] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoops.ingest.firms import ingest_firms  # noqa: E402
from geoops.store import migrate  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402
from geoops.store.engine import transaction  # noqa: E402

HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight"
BARE = f"CREATE TABLE raw_firms ({', '.join(f'{c} text' for c in HEADER.split(','))})"


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Fires in clusters (as real detections are), over one day, VIIRS-like values."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([-60, -180], [70, 180], size=(rows // 20 + 1, 2))
    pick = rng.integers(0, len(centres), rows)
    minutes = np.sort(rng.integers(0, 24 * 60, rows))
    frame = pd.DataFrame(
        {
            "latitude": np.clip(centres[pick, 0] + rng.normal(0, 0.02, rows), -89.9, 89.9).round(5),
            "longitude": np.clip(centres[pick, 1] + rng.normal(0, 0.02, rows), -179.9, 179.9).round(5),
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


def best(repeat: int, prepare: Callable[[], None], run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


class Bench:
    def __init__(self, cluster: EmbeddedCluster, csv_path: Path) -> None:
        self.cluster, self.csv_path, self.data = cluster, csv_path, csv_path.read_bytes()
        self.env = {**os.environ, "GEOOPS_DATABASE_URL": cluster.url("bench")}
        self.geoops = [str(ROOT / ".venv" / "bin" / "geoops"), "ingest", "firms", str(csv_path)]

    def fresh(self) -> None:
        self.cluster.drop_database("bench")
        self.cluster.create_database("bench")
        engine = sa.create_engine(self.cluster.url("bench"))
        migrate.upgrade(engine)
        engine.dispose()
        with psycopg.connect(self.cluster.conninfo("bench"), autocommit=True) as conn:
            conn.execute(BARE)

    def psql_copy(self) -> None:
        copy = f"\\copy raw_firms FROM '{self.csv_path}' WITH (FORMAT csv, HEADER)"
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", self.cluster.conninfo("bench"), "-c", copy], check=True
        )

    def cli(self) -> dict[str, int]:
        done = subprocess.run(self.geoops, env=self.env, check=True, capture_output=True, text=True)
        return dict(json.loads(done.stdout))

    def psycopg_copy(self) -> None:
        with self._copy("COPY raw_firms FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            copy.write(self.data)

    def ingest(self) -> int:
        engine = sa.create_engine(self.cluster.url("bench"))
        with transaction(engine) as session:
            inserted = ingest_firms(self.data, source="bench", session=session).inserted
        engine.dispose()
        return inserted

    def stored_rows(self) -> bytes:
        with self._copy("COPY hotspots TO STDOUT (FORMAT binary)") as copy:
            return b"".join(bytes(chunk) for chunk in copy)

    def binary_copy(self, rows: bytes) -> None:
        with self._copy("COPY hotspots FROM STDIN (FORMAT binary)") as copy:
            copy.write(rows)

    @contextmanager
    def _copy(self, statement: str) -> Iterator[psycopg.Copy]:
        with (
            psycopg.connect(self.cluster.conninfo("bench")) as conn,
            conn.cursor() as cur,
            cur.copy(statement) as copy,
        ):
            yield copy


def run(bench: Bench, repeat: int) -> dict[str, object]:
    nothing = lambda: None  # noqa: E731
    psql_s = best(repeat, bench.fresh, bench.psql_copy)
    cli_s = best(repeat, bench.fresh, bench.cli)
    cli_again_s = best(
        repeat, nothing, lambda: bench.cli()["inserted"] == 0 or sys.exit("re-ingest inserted rows")
    )
    copy_s = best(repeat, bench.fresh, bench.psycopg_copy)
    ingest_s = best(repeat, bench.fresh, bench.ingest)
    again_s = best(repeat, nothing, lambda: bench.ingest() == 0 or sys.exit("re-ingest inserted rows"))
    rows = bench.stored_rows()
    floor_s = best(repeat, bench.fresh, lambda: bench.binary_copy(rows))
    ratio = lambda a, b: round(a / b, 1)  # noqa: E731
    return {
        "rows": len(bench.data.splitlines()) - 1,
        "cli": {"psql_copy_s": round(psql_s, 3), "ingest_s": round(cli_s, 3), "reingest_s": round(cli_again_s, 3),
                "ingest_ratio": ratio(cli_s, psql_s), "reingest_ratio": ratio(cli_again_s, psql_s)},
        "in_process": {"copy_s": round(copy_s, 3), "ingest_s": round(ingest_s, 3), "reingest_s": round(again_s, 3),
                       "ingest_ratio": ratio(ingest_s, copy_s), "reingest_ratio": ratio(again_s, copy_s)},
        "floor": {"binary_copy_into_hotspots_s": round(floor_s, 3), "ratio_to_copy": ratio(floor_s, copy_s),
                  "ingest_over_floor": ratio(ingest_s, floor_s)},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    csv_path = work / "viirs.csv"
    make_csv(csv_path, args.rows)
    csv_path.chmod(0o644)
    cluster = EmbeddedCluster(work / "pg")
    cluster.up()
    try:
        print(json.dumps(run(Bench(cluster, csv_path), args.repeat), indent=2))
    finally:
        cluster.destroy()
        csv_path.unlink()


if __name__ == "__main__":
    main()
