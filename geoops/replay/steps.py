"""A replay step: the rows of one file for one moment, ready to be ingested in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from geoops.detect.sensor_rules import SensorRules
from geoops.domain import IngestSummary
from geoops.ingest.report_checks import ReportRules
from geoops.replay.files import SourceKind

DEFAULT_SLOT = timedelta(minutes=10)


@dataclass(frozen=True)
class ReplayOptions:
    """``slot``: observations and reports of one file within one slot of time are one step."""

    slot: timedelta = DEFAULT_SLOT
    sensor_rules: SensorRules = field(default_factory=SensorRules)
    report_rules: ReportRules = field(default_factory=ReportRules)


@dataclass(frozen=True)
class Step:
    """``observed_at`` is the time of the step's latest row (None for stations, or a file
    none of whose rows has a readable time); ``feed`` ingests the rows in the session."""

    kind: SourceKind
    observed_at: datetime | None
    source: str
    feed: Callable[[Session], IngestSummary]
