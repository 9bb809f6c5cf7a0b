"""Configuration from the environment (prefix ``GEOOPS_``); nothing is read at import time."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me"
DEFAULT_REPORT_CATEGORIES = ("smoke", "open_fire", "burnt_area", "illegal_dump", "other")
DEFAULT_LEVELS = ("federal", "region", "district", "municipality", "forestry", "forest_quarter")
# Entries split at newlines and commas, except a comma between two numbers: a FIRMS area
# URL's bounding box (".../VIIRS_SNPP_NRT/100,50,140,70/1") stays one entry.
_SOURCE_SEPARATOR = re.compile(r"\n|(?<!\d),|,(?!\s*-?\d)")


def _split_list(value: Any) -> Any:
    """A JSON list, or comma-separated entries."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        return json.loads(value)
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def _split_sources(value: Any) -> Any:
    """``GEOOPS_FIRMS_SOURCES``: a JSON list, or entries separated by commas or newlines."""
    if not isinstance(value, str) or value.lstrip().startswith("["):
        return _split_list(value)
    return [entry.strip() for entry in _SOURCE_SEPARATOR.split(value) if entry.strip()]


class Settings(BaseSettings):
    """Every knob of geoops; each field is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="GEOOPS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL/PostGIS URL; unset means the embedded cluster in data_dir/pg.",
    )
    data_dir: Path = Field(default=Path(".geoops"), description="Embedded cluster and files.")
    host: str = "127.0.0.1"
    port: int = 8000
    link_distance_m: float = Field(
        default=1000.0, gt=0, description="Hotspot footprints closer than this join one fire."
    )
    link_window_hours: float = Field(
        default=24.0, gt=0, description="New hotspots further apart in time are not linked."
    )
    inactive_after_hours: float = Field(
        default=48.0, gt=0, description="An incident quiet this long stops absorbing hotspots."
    )
    heat_source_layer: str = Field(
        default="heat_sources", description="Registry layer of known heat sources (flares, boilers, plants)."
    )
    heat_source_radius_m: float = Field(
        default=500.0, gt=0, le=5000, description="Radius of a heat source without its own `radius_m`."
    )
    water_layers: Annotated[list[str], NoDecode, BeforeValidator(_split_list)] = Field(
        default_factory=lambda: ["lakes"],
        description="Registry layers of water: hotspots there are not fires.",
    )
    fusion_distance_m: float = Field(
        default=3000.0,
        gt=0,
        le=50_000,
        description="Reports and sensor alarms this close to an incident become its evidence.",
    )
    fusion_window_hours: float = Field(
        default=12.0, gt=0, description="... and this close in time to its first and last evidence."
    )
    region_level: str = Field(
        default="region", description="Jurisdiction level whose `code` prefixes registration numbers."
    )
    settlements_layer: str = Field(
        default="settlements",
        description="Registry layer of settlements (points, `population`) for priority.",
    )
    protected_layers: Annotated[list[str], NoDecode, BeforeValidator(_split_list)] = Field(
        default_factory=lambda: ["protected_areas"],
        description="Registry layers of protected objects that raise an incident's priority.",
    )
    fwi_raster: Path | None = Field(
        default=PROJECT_ROOT / "layers" / "data" / "fwi_geff_era5_2017_annual_mean.tif",
        description="Fire-weather index GeoTIFF sampled for priority; unset leaves FWI out.",
    )
    candidate_min_days: int = Field(
        default=3,
        ge=2,
        description="A spot seen on this many days without spreading is a heat-source candidate.",
    )
    candidate_max_extent_m: float = Field(
        default=1000.0, gt=0, description="... if all its detections lie within this distance of each other"
    )
    candidate_extent_pixels: float = Field(
        default=2.5, ge=0, description="... or within this many of its widest pixel, where that is more."
    )
    detect_interval_seconds: float = Field(
        default=10.0, gt=0, description="Detector wakes at least this often (and on NOTIFY)."
    )
    assets_dir: Path = Field(
        default=PROJECT_ROOT / "node_modules",
        description="Installed npm packages (Leaflet) that geoops serves under /static/vendor.",
    )
    basemap_url: str | None = Field(
        default=None,
        description="Optional XYZ tile URL for the map; unset keeps the map offline.",
    )
    demo_speed: float = Field(default=720.0, ge=0, description="Demo replay speed (x real time).")
    log_level: str = "INFO"
    firms_sources: Annotated[list[str], NoDecode, BeforeValidator(_split_sources)] = Field(
        default_factory=list,
        description="FIRMS CSVs to poll: area-API URLs or file paths, each optionally "
        "NAME=URL; comma-separated, one per line, or a JSON list.",
    )
    firms_poll_seconds: float = Field(
        default=600.0, gt=0, description="How often each FIRMS source is polled (also the backoff base)."
    )
    inbox: Path | None = Field(
        default=None, description="Folder watched for FIRMS CSV files; unset disables the inbox."
    )
    inbox_poll_seconds: float = Field(default=5.0, gt=0, description="How often the inbox is scanned.")

    secret_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="Key for token hashes; the app refuses to start with the placeholder "
        "unless GEOOPS_DEMO is set.",
    )
    demo: bool = Field(default=False, description="Demo mode: allows the placeholder secret key.")
    levels: Annotated[list[str], NoDecode, BeforeValidator(_split_list)] = Field(
        default_factory=lambda: list(DEFAULT_LEVELS),
        description="Management levels, highest first.",
    )
    cors_origins: Annotated[list[str], NoDecode, BeforeValidator(_split_list)] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (CORS)."
    )
    token_days: float = Field(default=90.0, gt=0, description="Lifetime of a new API token, days.")
    session_hours: float = Field(default=12.0, gt=0, description="Lifetime of a browser login, hours.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per name or client within the window before 429."
    )
    login_window_minutes: float = Field(default=15.0, gt=0, description="Window for counting failed logins.")
    max_body_mb: float = Field(default=200.0, gt=0, description="Largest request body accepted (else 413).")

    report_categories: Annotated[list[str], NoDecode, BeforeValidator(_split_list)] = Field(
        default_factory=lambda: list(DEFAULT_REPORT_CATEGORIES),
        description="Categories a report may have (comma-separated or a JSON list).",
    )
    report_text_max_chars: int = Field(default=2000, ge=1, description="Longest report text.")
    report_contact_max_chars: int = Field(default=200, ge=1, description="Longest reporter contact.")
    report_clock_skew_seconds: float = Field(
        default=300.0, ge=0, description="How far in the future a report's time may be (clock skew)."
    )
    report_max_age_days: float = Field(
        default=30.0, gt=0, description="Oldest report time accepted over HTTP (files may be older)."
    )
    report_photo_max_mb: float = Field(default=10.0, gt=0, description="Largest photo file (else 413).")
    report_photo_max_megapixels: float = Field(
        default=40.0, gt=0, description="Largest photo in megapixels (else 413)."
    )
    report_photos_max: int = Field(default=5, ge=0, description="Photos per report.")
    report_rate_limit: int = Field(
        default=5, ge=1, description="Reports one anonymous client may file per window (else 429)."
    )
    report_rate_window_minutes: float = Field(
        default=10.0, gt=0, description="Window of the report rate limit."
    )
    report_duplicate_distance_m: float = Field(
        default=300.0,
        ge=0,
        description="Reports of one category closer than this (metres) are linked as duplicates...",
    )
    report_duplicate_minutes: float = Field(
        default=30.0, ge=0, description="...when their times are at most this many minutes apart."
    )

    mqtt_url: str | None = Field(
        default=None,
        description="MQTT broker of the live sensor feeds, mqtt://[user:password@]host[:port]; "
        "unset: no subscriber (GET /api/v1/sensors/status says it is not configured).",
    )
    mqtt_client_id: str | None = Field(
        default=None,
        description="A fixed MQTT client id (one per process) gives a persistent session: the "
        "broker keeps QoS 1 readings while geoops is away. Unset: a random id, clean session.",
    )
    mqtt_batch_size: int = Field(
        default=2000, ge=1, description="Most MQTT messages stored in one transaction."
    )
    mqtt_batch_ms: float = Field(
        default=200.0, gt=0, description="Longest wait before a partial batch of MQTT messages is stored, ms."
    )
    station_stale_minutes: float = Field(
        default=60.0, gt=0, description="A station without a reading for this long is flagged stale."
    )
    sensor_rules: dict[str, Any] = Field(
        default_factory=dict,
        description='Sensor anomaly rules as JSON, e.g. {"thresholds": [{"property": "pm25", '
        '"unit": "ug/m3", "above": 150}]}; each kind given (thresholds, rates, baselines) '
        "replaces that kind's defaults.",
    )

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address users reach geoops at: links in alerts, CAP <web>, the Atom feed.",
    )
    cap_sender: str = Field(default="geoops@localhost", description="CAP <sender> of every alert.")
    alert_rules: dict[str, Any] = Field(
        default_factory=dict,
        description='Routing rules by level as JSON, e.g. {"district": {"min_priority": "high"}}; '
        "each level given replaces that level's default (see README, Alerts).",
    )
    alert_update_minutes: float = Field(
        default=30.0, ge=0, description="At most one update alert per incident and recipient this often."
    )
    alert_escalate_minutes: float = Field(
        default=15.0, gt=0, description="A high/critical alert unacknowledged this long goes a level up."
    )
    delivery_max_attempts: int = Field(
        default=8, ge=1, description="Attempts before a delivery is dead-lettered."
    )
    delivery_backoff_seconds: float = Field(
        default=5.0, gt=0, description="First retry delay; doubles each attempt, with jitter."
    )
    delivery_backoff_max_seconds: float = Field(default=900.0, gt=0, description="Longest retry delay.")
    delivery_lease_seconds: float = Field(
        default=60.0, gt=0, description="A claimed delivery not recorded this long is sent again."
    )
    channel_failing_minutes: float = Field(
        default=10.0, gt=0, description="A channel failing this long turns /healthz degraded."
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="Webhook request timeout.")
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhooks to loopback, private and link-local addresses (off: refused).",
    )
    smtp_url: str | None = Field(
        default=None,
        description="SMTP server for e-mail alerts, smtp://[user:password@]host[:port] "
        "(smtps:// for TLS); unset: the e-mail channel reports it is not configured.",
    )
    smtp_from: str = Field(default="geoops@localhost", description="From address of e-mail alerts.")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, description="SMTP connection timeout.")

    @property
    def placeholder_secret(self) -> bool:
        return self.secret_key.get_secret_value() in ("", PLACEHOLDER_SECRET)

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "pg"
