"""Where a detection pass spends its time: per-statement timings of every pass of the speed
scenario (``bench/detection_speed.py``'s batches of about 5,000 hotspots).

For each pass: its total (commit included), the time inside SQL statements, the commit,
the ``--top`` statements, each named by the first line of its ``.sql`` file (or its
text), and the CPU time the pass took: in this process (all its threads: the geometry
and priority workers too) and in the PostgreSQL backend that ran it (read from /proc:
the embedded cluster runs on this machine). What is neither SQL nor commit is Python.
From CPU and cores follows a floor: however well the work overlaps, a pass takes at
least its CPU time divided by the cores. A tool for the next optimisation, not a
benchmark with a baseline: ``bench/detection_speed.py`` gives the ratios.

Run: ``.venv/bin/python bench/detection_profile.py [--hotspots 100000] [--from-pass 15] [--top 8]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.detection_speed import Database, batches, scenario_near  # noqa: E402
from geoops.detect.detection_pass import run_detection_pass  # noqa: E402
from geoops.ingest.firms import ingest_firms  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402
from geoops.store.engine import transaction  # noqa: E402


class StatementClock:
    """Seconds spent in each statement (by its first line) since the last ``reset``."""

    def __init__(self, db: Database) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._started = 0.0
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.spent.clear()

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        name = statement.strip().splitlines()[0].removeprefix("-- ")[:80]
        self.spent[name] += time.perf_counter() - self._started


class CpuClock:
    """CPU seconds (user and system) of this process, all threads, and of one backend."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, backend_pid: int) -> None:
        self._pid = backend_pid
        self._start = self._read()

    def _read(self) -> tuple[float, float]:
        mine = resource.getrusage(resource.RUSAGE_SELF)
        # /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the name
        fields = Path(f"/proc/{self._pid}/stat").read_text().rsplit(")", 1)[1].split()
        return mine.ru_utime + mine.ru_stime, (int(fields[11]) + int(fields[12])) / self.TICKS

    def spent(self) -> tuple[float, float]:
        """(this process, the backend) since this clock started."""
        python, backend = self._read()
        return python - self._start[0], backend - self._start[1]


def profile(
    db: Database, frame: pd.DataFrame, target: int, from_pass: int, top: int, python: Path | None = None
) -> list[float]:
    clock = StatementClock(db)
    profiler = cProfile.Profile()
    overall: dict[str, float] = defaultdict(float)
    totals: list[float] = []
    cpu: list[tuple[float, float, float]] = []  # (wall, this process, the backend) from from_pass
    for n, data in enumerate(batches(frame, target)):
        with transaction(db.engine) as session:
            ingest_firms(data, source="bench", session=session)
        with transaction(db.engine) as session:
            backend = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            clock.reset()
            cpu_clock = CpuClock(backend)
            start = time.perf_counter()
            if python and n >= from_pass:
                profiler.enable()
            result = run_detection_pass(db.params, session=session)
            profiler.disable()
            before_commit = time.perf_counter()
        total = time.perf_counter() - start
        in_python, in_backend = cpu_clock.spent()
        totals.append(total)
        sql = sum(clock.spent.values())
        print(
            f"pass {n}: {total * 1000:.0f} ms, {result.hotspots} hotspots, {len(result.created)} created, "
            f"{len(result.updated)} updated; SQL {sql * 1000:.0f} ms, commit "
            f"{(time.perf_counter() - before_commit) * 1000:.0f} ms; CPU {in_python * 1000:.0f} ms here, "
            f"{in_backend * 1000:.0f} ms in the database"
        )
        if n >= from_pass:
            cpu.append((total, in_python, in_backend))
            for name, seconds in clock.spent.items():
                overall[name] += seconds
            overall["(python and commit)"] += total - sql
            for name, seconds in sorted(clock.spent.items(), key=lambda kv: -kv[1])[:top]:
                print(f"  {seconds * 1000:8.1f} ms  {name}")
    if python:
        profiler.dump_stats(python)
    if cpu:
        wall, here, there = (statistics.fmean(c[k] for c in cpu) for k in range(3))
        cores = os.cpu_count() or 1
        print(
            f"passes from {from_pass} on, mean: {wall * 1000:.0f} ms; CPU {here * 1000:.0f} ms here + "
            f"{there * 1000:.0f} ms in the database; floor on {cores} cores "
            f"{(here + there) / cores * 1000:.0f} ms"
        )
    print(f"all passes from {from_pass} on, summed:")
    for name, seconds in sorted(overall.items(), key=lambda kv: -kv[1])[: max(top, 12)]:
        print(f"  {seconds:8.2f} s  {name}")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hotspots", type=int, default=100_000, help="about this many hotspots")
    parser.add_argument("--batch", type=int, default=5000, help="hotspots per pass")
    parser.add_argument("--from-pass", type=int, default=15, help="list statements from this pass on")
    parser.add_argument("--top", type=int, default=8, help="statements listed per pass")
    parser.add_argument("--cprofile", type=Path, help="write cProfile stats of those passes here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    scenario_near(args.seed, 5, args.hotspots, work / "scenario")
    frame = pd.read_csv(work / "scenario" / "hotspots.csv", dtype=str, keep_default_na=False)
    cluster = EmbeddedCluster(work / "pg")
    cluster.up()
    try:
        totals = profile(
            Database(cluster, "profile", work / "scenario"),
            frame,
            args.batch,
            args.from_pass,
            args.top,
            args.cprofile,
        )
        p95 = statistics.quantiles(totals, n=20, method="inclusive")[-1]
        print(
            f"passes: {len(totals)}, p50 {statistics.median(totals) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        )
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
