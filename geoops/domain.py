"""Plain typed records shared by the stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class IncidentStatus(StrEnum):
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    CONTAINED = "contained"
    EXTINGUISHED = "extinguished"
    DISMISSED = "dismissed"


class EventKind(StrEnum):
    HOTSPOTS_INGESTED = "hotspots.ingested"
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_MERGED = "incident.merged"
    INCIDENT_STATUS_CHANGED = "incident.status_changed"
    INCIDENT_ESCALATED = "incident.escalated"
    INCIDENT_CREW_ASSIGNED = "incident.crew_assigned"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    LAYER_IMPORTED = "layer.imported"
    JURISDICTIONS_LOADED = "jurisdictions.loaded"
    REPORT_RECEIVED = "report.received"
    REPORT_UPDATED = "report.updated"
    SENSOR_ALARM = "sensor.alarm"
    HEAT_SOURCE_CANDIDATE = "heat_source.candidate"
    STATION_STALE = "station.stale"
    STATION_ACTIVE = "station.active"


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class IngestSummary:
    """The JSON object every ingest prints (DESIGN.md, CLI contract)."""

    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DetectionResult:
    hotspots: int
    created: list[int]
    updated: list[int]
    merged: dict[int, list[int]]
    reports: int = 0
    alarms: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: str
