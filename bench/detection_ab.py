"""A/B of detection pass timings: this tree against another commit, runs alternated.

This machine's speed drifts by tens of percent within an hour, so two figures measured
at different times do not compare. This script checks the other commit out into a
temporary git worktree and runs ``bench/detection_profile.py`` (20 passes of ~5,000
hotspots on a fresh embedded PostGIS) alternately in both trees, ``--rounds`` times
each, then prints the p50 and p95 of every run and their means. A change is worth
keeping when it wins in every round, not only on average: one round of the same code
against itself differed by 14 ms at the p50 and 35 ms at the p95 here.

Run: ``.venv/bin/python bench/detection_ab.py BASE_REV [--rounds 2] [--hotspots 100000]``
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"passes: (\d+), p50 (\d+) ms, p95 (\d+) ms")


def run_profile(tree: Path, hotspots: int) -> tuple[int, int]:
    """(p50, p95) in ms of one profile run of ``tree``'s code (its own ``bench/``)."""
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / "detection_profile.py"), "--from-pass", "1000000",
         "--hotspots", str(hotspots)],
        cwd=tree, capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = SUMMARY.search(done.stdout)
    if found is None:
        raise RuntimeError(f"no summary in the profile's output:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return int(found.group(2)), int(found.group(3))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", help="the commit to compare with (any git revision)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hotspots", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geoops-ab-") as folder:
        base = Path(folder) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True
        )
        try:
            runs: dict[str, list[tuple[int, int]]] = {"base": [], "this tree": []}
            for round_number in range(1, args.rounds + 1):
                for name, tree in (("base", base), ("this tree", ROOT)):
                    p50, p95 = run_profile(tree, args.hotspots)
                    runs[name].append((p50, p95))
                    print(f"round {round_number} {name:>9}: p50 {p50} ms, p95 {p95} ms", flush=True)
            for name, figures in runs.items():
                mean_p50 = statistics.fmean(f[0] for f in figures)
                mean_p95 = statistics.fmean(f[1] for f in figures)
                print(f"mean {name:>9}: p50 {mean_p50:.0f} ms, p95 {mean_p95:.0f} ms")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    main()
