"""Replay FIRMS files in observation-time order, detecting after each satellite pass.

Speed is a multiple of real time (720 = a day in two minutes); 0 is as fast as possible.
Each pass (the rows of one acquisition time) goes through the ordinary FIRMS ingest.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.domain import DetectionResult, IngestSummary
from geoops.ingest.firms import ingest_firms
from geoops.ingest.firms_csv import read_firms_file
from geoops.ingest.source_files import read_source
from geoops.store.engine import transaction

MAX_SLEEP_SECONDS = 30.0  # long night gaps between passes are shortened to this


@dataclass(frozen=True)
class Pass:
    observed_at: datetime
    source: str
    csv: bytes


@dataclass(frozen=True)
class ReplayStep:
    observed_at: datetime
    ingest: IngestSummary
    detection: DetectionResult | None


def load_passes(paths: list[Path]) -> list[Pass]:
    """Every file split into passes (one per acquisition date and time), oldest first.
    Rows whose time cannot be read go with the file's first pass, where ingest reports them."""
    passes: list[Pass] = []
    for path in paths:
        data = read_source(path)
        file = read_firms_file(data)
        header = data.partition(b"\n")[0]
        date_at, time_at = file.columns["acq_date"] - 1, file.columns["acq_time"] - 1
        groups: dict[datetime, list[list[str]]] = defaultdict(list)
        sep = file.delimiter
        for row in csv.reader(io.StringIO(file.body.decode("utf-8")), delimiter=sep):
            if row:
                groups[_when(row, date_at, time_at)].append(row)
        for when, rows in groups.items():
            out = io.StringIO()
            out.write(header.decode("utf-8-sig").rstrip("\r") + "\n")
            csv.writer(out, lineterminator="\n").writerows(rows)
            passes.append(Pass(when, path.name, out.getvalue().encode()))
    return sorted(passes, key=lambda p: p.observed_at)


def _when(row: list[str], date_at: int, time_at: int) -> datetime:
    try:
        hhmm = row[time_at].strip().replace(":", "").zfill(4)
        return datetime.strptime(row[date_at].strip() + hhmm, "%Y-%m-%d%H%M").replace(tzinfo=UTC)
    except (IndexError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def replay(
    passes: list[Pass],
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
    previous: datetime | None = None
    for step in passes:
        if speed > 0 and previous is not None and previous.year > 1:
            wait = min((step.observed_at - previous).total_seconds() / speed, MAX_SLEEP_SECONDS)
            if stop.wait(wait):
                return
        if stop.is_set():
            return
        previous = step.observed_at
        with transaction(engine) as session:
            summary = ingest_firms(step.csv, source=step.source, session=session)
        result = None
        if detect:
            with transaction(engine) as session:
                result = run_detection_pass(params, session=session)
        on_step(ReplayStep(step.observed_at, summary, result))
