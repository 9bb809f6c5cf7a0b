"""The checks every report passes, from the API, the form or a file: place, time, category,
text (spam rules), contact; the limits come from the settings (``ReportRules``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geoops.errors import InvalidInput
from geoops.ingest.photos import Photo
from geoops.settings import DEFAULT_REPORT_CATEGORIES, Settings
from geoops.store.reports import NewReport


@dataclass(frozen=True)
class ReportRules:
    categories: tuple[str, ...] = DEFAULT_REPORT_CATEGORIES
    text_max_chars: int = 2000
    contact_max_chars: int = 200
    clock_skew: timedelta = timedelta(minutes=5)
    max_age: timedelta | None = timedelta(days=30)  # None: any past time (files, replays)
    photo_max_bytes: int = 10 * 2**20
    photo_max_pixels: int = 40_000_000
    photos_max: int = 5
    rate_limit: int = 5
    rate_window: timedelta = timedelta(minutes=10)
    duplicate_distance_m: float = 300.0
    duplicate_window: timedelta = timedelta(minutes=30)

    @classmethod
    def from_settings(cls, s: Settings) -> ReportRules:
        return cls(
            tuple(s.report_categories), s.report_text_max_chars, s.report_contact_max_chars,
            timedelta(seconds=s.report_clock_skew_seconds), timedelta(days=s.report_max_age_days),
            int(s.report_photo_max_mb * 2**20), int(s.report_photo_max_megapixels * 1e6), s.report_photos_max,
            s.report_rate_limit, timedelta(minutes=s.report_rate_window_minutes),
            s.report_duplicate_distance_m, timedelta(minutes=s.report_duplicate_minutes),
        )  # fmt: skip


class ReportFields(BaseModel):
    """What a reporter sends: a JSON body, form fields, or a GeoJSON feature's properties."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(max_length=32, description="One of the configured categories")
    text: str = Field(default="", description="What the reporter sees; required for `other`")
    contact: str | None = Field(default=None, description="Phone or e-mail; only staff see it")
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    reported_at: datetime | None = Field(default=None, description="ISO 8601; default: photo or now")
    utc_offset_minutes: int | None = Field(
        default=None, ge=-840, le=840, description="The reporter's zone, for photo times without one"
    )


@dataclass(frozen=True)
class Reporter:
    kind: str = "citizen"  # or "crew"
    user_id: int | None = None
    client: str | None = None  # rate-limited when set


def parse_fields(raw: Mapping[str, Any]) -> ReportFields:
    optional = ("contact", "latitude", "longitude", "accuracy_m", "reported_at", "utc_offset_minutes")
    cleaned = {k: v for k, v in raw.items() if not (k in optional and v in ("", None))}
    try:
        return ReportFields.model_validate(cleaned)
    except ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])), "reason": e["msg"]} for e in exc.errors()]
        raise InvalidInput("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors) from exc


def check_text(text: str, category: str, rules: ReportRules) -> str:
    """The text, stripped; empty only where the category says enough; spam refused."""
    stripped = text.strip()
    if len(stripped) > rules.text_max_chars:
        raise InvalidInput(f"text is longer than {rules.text_max_chars} characters")
    if text and not any(ch.isalnum() for ch in text):
        raise InvalidInput("text has no letters or digits: describe what you see, or leave it empty")
    compact = [ch for ch in stripped.casefold() if not ch.isspace()]
    if len(compact) >= 3 and len(set(compact)) == 1:
        raise InvalidInput("text is one character repeated: describe what you see")
    if not stripped and category == "other":
        raise InvalidInput("text is required for the category other: say what you see")
    return stripped


def check_report(
    fields: ReportFields, rules: ReportRules, *, now: datetime, photos: Sequence[Photo] = (),
    reporter: Reporter = Reporter(),
) -> NewReport:  # fmt: skip
    """A storable report, or InvalidInput naming what to fix. Location and time missing from
    the fields come from the first photo whose EXIF has them (a photo time out of range is ignored)."""
    category = fields.category.strip().lower()
    if category not in rules.categories:
        raise InvalidInput(f"category must be one of: {', '.join(rules.categories)}")
    latitude, longitude, accuracy = fields.latitude, fields.longitude, fields.accuracy_m
    if (latitude is None) != (longitude is None):
        raise InvalidInput("give both latitude and longitude, or neither")
    if latitude is None:
        located = next((p for p in photos if p.latitude is not None), None)
        if located is None:
            raise InvalidInput("a location is needed: latitude and longitude, or a photo with GPS data")
        latitude, longitude, accuracy = located.latitude, located.longitude, located.accuracy_m
    assert latitude is not None and longitude is not None
    if latitude == 0 and longitude == 0:
        raise InvalidInput("latitude 0, longitude 0 is a missing location, not a place")
    oldest = None if rules.max_age is None else now - rules.max_age
    if fields.reported_at is not None:
        when = fields.reported_at if fields.reported_at.tzinfo else fields.reported_at.replace(tzinfo=UTC)
        if when > now + rules.clock_skew:
            raise InvalidInput(f"reported_at {when.isoformat()} is in the future")
        if oldest is not None and when < oldest:
            raise InvalidInput(f"reported_at {when.isoformat()} is older than {rules.max_age}")
    else:
        taken = (p.taken_at(fields.utc_offset_minutes) for p in photos)
        fits = (t for t in taken if t and t <= now + rules.clock_skew and (oldest is None or t >= oldest))
        when = next(fits, now)
    contact = (fields.contact or "").strip() or None
    if contact and len(contact) > rules.contact_max_chars:
        raise InvalidInput(f"contact is longer than {rules.contact_max_chars} characters")
    return NewReport(
        category=category, text=check_text(fields.text, category, rules), contact=contact,
        longitude=longitude, latitude=latitude, accuracy_m=accuracy, reported_at=when,
        reporter_kind=reporter.kind, reporter_user_id=reporter.user_id, client=reporter.client,
    )  # fmt: skip
