"""A GeoJSON FeatureCollection of reports as replay steps: one per slot of ``reported_at``.

Each step goes through the ordinary file ingest (no maximum age; the very same report
twice is a duplicate; a report near an earlier one of the same category is linked to it).
Errors carry the feature's number in the file (1-based).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from geoops.domain import IngestSummary
from geoops.errors import UnusableInput
from geoops.ingest.report_checks import ReportRules
from geoops.ingest.reports import ingest_reports_geojson, read_report_features
from geoops.replay.files import SourceKind
from geoops.replay.steps import ReplayOptions, Step
from geoops.replay.timing import group_by_time, renumbered

TIME = TypeAdapter(datetime)  # read as the report checks read it


def report_steps(name: str, data: bytes, options: ReplayOptions) -> list[Step]:
    """A feature whose time cannot be read goes with the first step, where the ingest names it."""
    features = _report_features(data)
    times = [_reported_at(feature) for feature in features]
    numbered = list(enumerate(features, start=1))
    steps = []
    for when, members in group_by_time(numbered, times, options.slot):
        feed = partial(_feed, [f for _, f in members], [n for n, _ in members], options.report_rules)
        steps.append(Step(SourceKind.REPORTS, when, name, feed))
    return steps


def _report_features(data: bytes) -> list[Any]:
    features = read_report_features(data)
    if features and not any(_properties(f).get("reported_at") for f in features):
        raise UnusableInput("a FeatureCollection, but not of reports: no feature has reported_at")
    return features


def _feed(features: list[Any], numbers: Sequence[int], rules: ReportRules, session: Session) -> IngestSummary:
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return renumbered(ingest_reports_geojson(data, rules=rules, session=session), numbers, first=1)


def _properties(feature: Any) -> dict[str, Any]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def _reported_at(feature: Any) -> datetime | None:
    value = _properties(feature).get("reported_at")
    if not value:
        return None
    try:
        when = TIME.validate_python(value)
    except ValidationError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
