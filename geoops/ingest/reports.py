"""Citizen and crew reports: the submit service, and GeoJSON files of reports.

Every report becomes a ``report.received`` event (id, place, time, category; never the
contact) with an ingest NOTIFY, so detection can fuse it with other evidence. The checks
are in ``report_checks``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from geoops.domain import EventKind, IngestSummary, RowError
from geoops.errors import InvalidInput, TooManyRequests, UnusableInput
from geoops.ingest.photos import check_photo, store_photo
from geoops.ingest.report_checks import Reporter, ReportFields, ReportRules, check_report, parse_fields
from geoops.secrets_tokens import token_hash
from geoops.settings import Settings
from geoops.store.events import append_event, notify_ingest
from geoops.store.reports import (
    NewReport,
    add_photo,
    find_duplicate,
    insert_report,
    recent_submissions,
    same_report_exists,
)

SOURCE = "reports"


@dataclass(frozen=True)
class Submitted:
    id: int
    tracking_token: str
    duplicate_of: int | None
    report: NewReport
    photo_ids: list[int]


def submit_report(
    raw: Mapping[str, Any], photos: Sequence[tuple[str, bytes]], *, reporter: Reporter, rules: ReportRules,
    settings: Settings, session: Session,
) -> Submitted:  # fmt: skip
    """Check, store and announce one report with its photos; the tracking token is returned once."""
    if reporter.client is not None:
        count, wait = recent_submissions(reporter.client, rules.rate_window, session=session)
        if count >= rules.rate_limit:
            minutes = rules.rate_window.total_seconds() / 60
            detail = f"at most {rules.rate_limit} reports per {minutes:g} minutes; try again in {wait} s"
            raise TooManyRequests(detail, retry_after=wait)
    if len(photos) > rules.photos_max:
        raise InvalidInput(f"at most {rules.photos_max} photos per report")
    fields = parse_fields(raw)
    checked = [check_photo(data, name=name, max_bytes=rules.photo_max_bytes, max_pixels=rules.photo_max_pixels)
               for name, data in photos]  # fmt: skip
    report = check_report(fields, rules, now=datetime.now(UTC), photos=checked, reporter=reporter)
    token = secrets.token_urlsafe(18)
    report_id, duplicate_of = store_report(
        report, tracking_hash=token_hash(token, settings.secret_key.get_secret_value()), rules=rules,
        session=session,
    )  # fmt: skip
    photo_ids = [
        add_photo(report_id, store_photo(p, report_id=report_id, data_dir=settings.data_dir,
                  utc_offset_minutes=fields.utc_offset_minutes), session=session)
        for p in checked
    ]  # fmt: skip
    notify_ingest(SOURCE, session=session)
    return Submitted(report_id, token, duplicate_of, report, photo_ids)


def store_report(
    report: NewReport, *, tracking_hash: str, rules: ReportRules, session: Session
) -> tuple[int, int | None]:
    """Insert, linked to an earlier report it duplicates, and append its event."""
    window, distance = rules.duplicate_window, rules.duplicate_distance_m
    duplicate_of = find_duplicate(report, distance_m=distance, window=window, session=session)
    report_id = insert_report(report, tracking_hash=tracking_hash, duplicate_of=duplicate_of, session=session)
    payload = {
        "report_id": report_id, "category": report.category, "reporter_kind": report.reporter_kind,
        "longitude": report.longitude, "latitude": report.latitude, "accuracy_m": report.accuracy_m,
        "reported_at": report.reported_at.isoformat(), "duplicate_of": duplicate_of,
    }  # fmt: skip
    append_event(EventKind.REPORT_RECEIVED, payload, session=session)
    return report_id, duplicate_of


def ingest_reports_geojson(
    data: bytes, *, session: Session, rules: ReportRules = ReportRules()
) -> IngestSummary:
    """A FeatureCollection of Point reports; each bad feature is an error with its number
    (1-based), the rest are stored. The same report twice is a duplicate, stored once."""
    features = read_report_features(data)
    summary = IngestSummary(read=len(features))
    file_rules, now = replace(rules, max_age=None), datetime.now(UTC)
    for number, feature in enumerate(features, start=1):
        try:
            report = _feature_report(feature, file_rules, now)
        except InvalidInput as exc:
            summary.errors.append(RowError(number, exc.detail))
            continue
        if same_report_exists(report, session=session):
            summary.duplicates += 1
            continue
        # Nobody holds a token for a filed report: a random value fills the unique column.
        store_report(report, tracking_hash=secrets.token_hex(32), rules=rules, session=session)
        summary.inserted += 1
    summary.rejected = len(summary.errors)
    if summary.inserted:
        notify_ingest(SOURCE, session=session)
    return summary


def read_report_features(data: bytes) -> list[Any]:
    """The features of a GeoJSON FeatureCollection; UnusableInput when it is not one."""
    try:
        collection = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnusableInput(f"not a GeoJSON file: {exc}") from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise UnusableInput("not a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise UnusableInput("the FeatureCollection has no features list")
    return features


def _feature_report(feature: Any, rules: ReportRules, now: datetime) -> NewReport:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise InvalidInput("not a Feature with a Point geometry")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise InvalidInput("a Point needs [longitude, latitude]")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict) or not properties.get("reported_at"):
        raise InvalidInput("reported_at is required")
    kind = properties.get("reporter_kind", "citizen")
    if kind not in ("citizen", "crew"):
        raise InvalidInput("reporter_kind must be citizen or crew")
    known = {k: v for k, v in properties.items() if k in ReportFields.model_fields}  # `photo` is not stored
    fields = parse_fields({**known, "longitude": coordinates[0], "latitude": coordinates[1]})
    return check_report(fields, rules, now=now, reporter=Reporter(kind=kind, client=None))
