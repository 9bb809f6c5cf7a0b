"""Replay FIRMS files in observation-time order, detecting after each satellite pass.

Speed is a multiple of real time (720 = a day in two minutes); 0 is as fast as possible.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.domain import DetectionResult, IngestSummary
from geoops.ingest.firms import read_source, store_firms_rows
from geoops.ingest.firms_csv import FirmsRows, read_firms_csv
from geoops.store.engine import transaction

MAX_SLEEP_SECONDS = 30.0  # long night gaps between passes are shortened to this


@dataclass(frozen=True)
class ReplayStep:
    observed_at: pd.Timestamp
    ingest: IngestSummary
    detection: DetectionResult | None


def load_passes(paths: list[Path]) -> tuple[list[FirmsRows], list[str]]:
    """All rows of all files, one FirmsRows per observation time, oldest first."""
    frames, problems = [], []
    for path in paths:
        rows = read_firms_csv(read_source(path), source=path.name)
        frames.append(rows.frame)
        problems += [f"{path.name}:{e.line}: {e.reason}" for e in rows.errors]
    every = pd.concat(frames, ignore_index=True).sort_values("observed_at", kind="stable")
    passes = [
        FirmsRows(group.reset_index(drop=True), read=len(group)) for _, group in every.groupby("observed_at")
    ]
    return passes, problems


def replay(
    passes: list[FirmsRows],
    *,
    engine: Engine,
    params: DetectParams,
    speed: float,
    on_step: Callable[[ReplayStep], None] = lambda step: None,
    stop: threading.Event | None = None,
    detect: bool = True,
) -> None:
    """Ingest pass by pass; with ``detect`` run a detection pass after each (leave it to a
    running detector worker otherwise)."""
    stop = stop or threading.Event()
    previous: pd.Timestamp | None = None
    for rows in passes:
        at: pd.Timestamp = rows.frame["observed_at"].iat[0]  # type: ignore[assignment]
        if speed > 0 and previous is not None:
            wait = min((at - previous).total_seconds() / speed, MAX_SLEEP_SECONDS)
            if stop.wait(wait):
                return
        if stop.is_set():
            return
        previous = at
        with transaction(engine) as session:
            summary = store_firms_rows(rows, session=session)
        result = None
        if detect:
            with transaction(engine) as session:
                result = run_detection_pass(params, session=session)
        on_step(ReplayStep(at, summary, result))
