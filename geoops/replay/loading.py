"""Reading the replay's files into steps, all of them before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from geoops.errors import UnusableInput
from geoops.ingest.report_checks import ReportRules
from geoops.ingest.source_files import read_source
from geoops.replay.files import SourceKind, recognise, unpacked
from geoops.replay.firms_steps import firms_steps
from geoops.replay.report_steps import report_steps
from geoops.replay.sensor_steps import observation_steps, station_steps
from geoops.replay.steps import DEFAULT_SLOT, ReplayOptions, Step
from geoops.replay.timing import EPOCH
from geoops.sensor_workers import sensor_rules
from geoops.settings import Settings

Splitter = Callable[[str, bytes, ReplayOptions], list[Step]]
SPLITTERS: dict[SourceKind, Splitter] = {
    SourceKind.STATIONS: station_steps,
    SourceKind.FIRMS: firms_steps,
    SourceKind.OBSERVATIONS: observation_steps,
    SourceKind.REPORTS: report_steps,
}


def replay_options(settings: Settings, slot: timedelta = DEFAULT_SLOT) -> ReplayOptions:
    """The sensor anomaly rules and report checks configured for this installation."""
    return ReplayOptions(slot, sensor_rules(settings), ReportRules.from_settings(settings))


def load_steps(paths: Sequence[Path], options: ReplayOptions | None = None) -> list[Step]:
    """Every file recognised and split into steps: stations first, then the rest oldest
    first (files in the order given when times are equal). A file that is none of the
    known sources raises UnusableInput naming it, before anything is written."""
    options = options or ReplayOptions()
    steps = [step for path in paths for step in _file_steps(path, options)]
    return sorted(steps, key=_replay_order)


def _replay_order(step: Step) -> tuple[bool, bool, datetime]:
    """Stations, then steps without a readable time, then the rest by time (a stable sort)."""
    return (step.kind != SourceKind.STATIONS, step.observed_at is not None, step.observed_at or EPOCH)


def _file_steps(path: Path, options: ReplayOptions) -> list[Step]:
    data = read_source(path)
    try:
        data = unpacked(data)
        return SPLITTERS[recognise(data)](path.name, data, options)
    except UnusableInput as exc:
        raise UnusableInput(f"{path}: {exc.detail}") from exc
