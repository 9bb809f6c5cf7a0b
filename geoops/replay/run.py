"""Feeding the steps to the store in order, with a detection pass after each."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.domain import DetectionResult, IngestSummary
from geoops.replay.files import SourceKind
from geoops.replay.steps import Step
from geoops.store.engine import transaction

MAX_SLEEP_SECONDS = 30.0  # long night gaps between passes are shortened to this


@dataclass(frozen=True)
class ReplayStep:
    """What one step did: its kind, time and file, the ingest summary and the detection result."""

    kind: SourceKind
    observed_at: datetime | None
    source: str
    ingest: IngestSummary
    detection: DetectionResult | None


def replay(
    steps: Sequence[Step],
    *,
    engine: Engine,
    params: DetectParams,
    speed: float,
    on_step: Callable[[ReplayStep], None] = lambda step: None,
    stop: threading.Event | None = None,
    detect: bool = True,
) -> None:
    """Ingest step by step, each in its own transaction; with ``detect`` run a detection pass
    after each timed step, in its own transaction (leave it to a running detector worker
    otherwise). With ``speed`` > 0, wait the time between steps divided by it (at most
    MAX_SLEEP_SECONDS); setting ``stop`` ends the replay between steps."""
    stop = stop or threading.Event()
    previous: datetime | None = None
    for step in steps:
        if speed > 0 and previous is not None and step.observed_at is not None:
            gap = max((step.observed_at - previous).total_seconds(), 0.0)
            if stop.wait(min(gap / speed, MAX_SLEEP_SECONDS)):
                return
        if stop.is_set():
            return
        previous = step.observed_at or previous
        with transaction(engine) as session:
            summary = step.feed(session)
        result = None
        if detect and step.kind != SourceKind.STATIONS:
            with transaction(engine) as session:
                result = run_detection_pass(params, session=session)
        on_step(ReplayStep(step.kind, step.observed_at, step.source, summary, result))
