"""Citizen and crew reports: insert, link duplicates, count submissions, track, staff reads.

A report filed near an earlier one (same category, close in place and time) is stored
with ``duplicate_of`` pointing at the earliest: it keeps its own tracking token, follows
the original's status and answer, and staff lists show the original once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import InvalidInput, NotFound
from geoops.store.scope import Scope, area_clause, incident_clause
from geoops.store.tables import report_photos, reports

# The report whose status and answer a reporter sees: the original when this one is a duplicate.
_SPEAKER = "JOIN reports AS s ON s.id = coalesce(r.duplicate_of, r.id) LEFT JOIN incidents AS i ON i.id = s.incident_id"


@dataclass(frozen=True)
class NewReport:
    category: str
    text: str
    contact: str | None
    longitude: float
    latitude: float
    accuracy_m: float | None
    reported_at: datetime
    reporter_kind: str = "citizen"
    reporter_user_id: int | None = None
    client: str | None = None


@dataclass(frozen=True)
class PhotoRow:
    stored_path: str  # relative to the data directory, private (EXIF kept)
    public_path: str  # re-encoded without metadata
    content_type: str
    bytes: int
    width: int
    height: int
    taken_at: datetime | None
    longitude: float | None
    latitude: float | None


def _point(longitude: float, latitude: float) -> Any:
    return sa.func.ST_SetSRID(sa.func.ST_MakePoint(longitude, latitude), 4326)


def insert_report(
    report: NewReport, *, tracking_hash: str, duplicate_of: int | None, session: Session
) -> int:
    values = {k: v for k, v in report.__dict__.items() if k not in ("longitude", "latitude")}
    statement = sa.insert(reports).values(
        **values, tracking_hash=tracking_hash, duplicate_of=duplicate_of,
        geom=_point(report.longitude, report.latitude),
    ).returning(reports.c.id)  # fmt: skip
    return int(session.execute(statement).scalar_one())


def find_duplicate(
    report: NewReport, *, distance_m: float, window: timedelta, session: Session
) -> int | None:
    """The earliest original report of the same category within ``distance_m`` and ``window``."""
    params = {"category": report.category, "lon": report.longitude, "lat": report.latitude,
              "at": report.reported_at, "window": window, "distance": distance_m}  # fmt: skip
    found = session.execute(
        sa.text(
            "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) "
            "SELECT r.id FROM reports AS r, p WHERE r.duplicate_of IS NULL AND r.category = :category "
            "AND r.reported_at BETWEEN CAST(:at AS timestamptz) - CAST(:window AS interval) "
            "AND CAST(:at AS timestamptz) + CAST(:window AS interval) "
            # the box (degrees, generous) lets the GiST index answer; the geography test is exact
            "AND r.geom && ST_Expand(p.geom, :distance / (111000 * greatest(cos(radians(:lat)), 0.01)), "
            ":distance / 110000.0) AND ST_DWithin(r.geom::geography, p.geom::geography, :distance) "
            "ORDER BY r.reported_at, r.id LIMIT 1"
        ),
        params,
    ).scalar()
    return None if found is None else int(found)


def same_report_exists(report: NewReport, *, session: Session) -> bool:
    """The very same report (category, time, place, text) is stored: a re-ingested file."""
    return bool(
        session.execute(
            sa.select(sa.literal(True)).where(
                reports.c.category == report.category,
                reports.c.reported_at == report.reported_at,
                reports.c.text == report.text,
                sa.func.ST_DWithin(reports.c.geom, _point(report.longitude, report.latitude), 1e-7),
            )
        ).first()
    )


def recent_submissions(client: str, window: timedelta, *, session: Session) -> tuple[int, int]:
    """Reports from ``client`` within ``window``, and seconds until the oldest leaves it.
    Holds a lock on the client until commit, so parallel requests count one another."""
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('geoops.reports:' || :c))"), {"c": client})
    row = session.execute(
        sa.text(
            "SELECT count(*) AS n, ceil(extract(epoch FROM min(received_at) + CAST(:w AS interval) - now())) "
            "AS wait FROM reports WHERE client = :c AND received_at > now() - CAST(:w AS interval)"
        ),
        {"c": client, "w": window},
    ).one()
    return int(row.n), max(int(row.wait or 0), 1)


def add_photo(report_id: int, photo: PhotoRow, *, session: Session) -> int:
    values = {k: v for k, v in photo.__dict__.items() if k not in ("longitude", "latitude")}
    exif_geom = (
        None if photo.longitude is None or photo.latitude is None else _point(photo.longitude, photo.latitude)
    )
    statement = sa.insert(report_photos).values(**values, report_id=report_id, exif_geom=exif_geom)
    return int(session.execute(statement.returning(report_photos.c.id)).scalar_one())


def tracked_report(tracking_hash: str, *, session: Session) -> dict[str, Any] | None:
    """What a reporter may see of their report: no contact, no other reporter's data."""
    row = session.execute(
        sa.text(
            "SELECT r.id, r.category, r.reported_at, r.received_at, r.duplicate_of IS NOT NULL AS linked_to_earlier, "
            "s.status, s.answer, s.answered_at, i.number AS incident_number, "
            "ARRAY(SELECT p.id FROM report_photos AS p WHERE p.report_id = r.id ORDER BY p.id) AS photo_ids "
            f"FROM reports AS r {_SPEAKER} WHERE r.tracking_hash = :h"
        ),
        {"h": tracking_hash},
    ).mappings().first()  # fmt: skip
    return None if row is None else dict(row)


def reports_for_staff(
    *, session: Session, scope: Scope, ids: list[int] | None = None, statuses: Sequence[str] | None = None,
    since: datetime | None = None, duplicates: bool = False, limit: int = 1000,
) -> list[dict[str, Any]]:  # fmt: skip
    """Reports in ``scope``, newest first, each with its photo ids and duplicate count."""
    params: dict[str, Any] = {"limit": limit}
    clauses = [area_clause("r.geom", scope, params)]
    if ids is not None:
        clauses.append("r.id = ANY(:ids)")
        params["ids"] = ids
    if statuses:
        clauses.append("s.status = ANY(:statuses)")
        params["statuses"] = list(statuses)
    if since:
        clauses.append("r.received_at >= :since")
        params["since"] = since
    if not duplicates:
        clauses.append("r.duplicate_of IS NULL")
    sql = (
        "SELECT r.id, r.category, r.text, r.contact, r.reporter_kind, r.reporter_user_id, "
        "s.status, s.answer, s.answered_at, r.reported_at, r.received_at, r.accuracy_m, "
        "s.incident_id, i.number AS incident_number, r.duplicate_of, ST_X(r.geom) AS longitude, "
        "ST_Y(r.geom) AS latitude, "
        "ARRAY(SELECT d.id FROM reports AS d WHERE d.duplicate_of = r.id ORDER BY d.id) AS duplicate_ids, "
        "ARRAY(SELECT p.id FROM report_photos AS p WHERE p.report_id = r.id ORDER BY p.id) AS photo_ids "
        f"FROM reports AS r {_SPEAKER} WHERE {' AND '.join(clauses)} ORDER BY r.received_at DESC, r.id DESC "
        "LIMIT :limit"
    )
    return [dict(row) for row in session.execute(sa.text(sql), params).mappings()]


def change_report(
    report_id: int, changes: dict[str, Any], *, scope: Scope, session: Session
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Staff change status, answer or linked incident; returns before and after.
    Linking an incident moves a ``received`` report to ``linked``."""
    params: dict[str, Any] = {"id": report_id}
    visible = area_clause("r.geom", scope, params)
    sql = f"SELECT status, answer, incident_id, duplicate_of FROM reports AS r WHERE id = :id AND {visible} FOR UPDATE"
    row = session.execute(sa.text(sql), params).mappings().first()
    if row is None:
        raise NotFound(f"no report {report_id}")
    before = {k: row[k] for k in ("status", "answer", "incident_id")}
    if row["duplicate_of"] is not None:
        raise InvalidInput(
            f"report {report_id} is a duplicate of report {row['duplicate_of']}: change that one"
        )
    after = {**before, **changes}
    if changes.get("incident_id") is not None:
        params = {"incident": changes["incident_id"]}
        known = incident_clause(":incident", scope, params)
        sql = f"SELECT 1 FROM incidents WHERE id = :incident AND merged_into_id IS NULL AND {known}"
        if session.execute(sa.text(sql), params).first() is None:
            raise InvalidInput(f"no current incident {changes['incident_id']} in your territory")
        if "status" not in changes and before["status"] == "received":
            after["status"] = "linked"
    if after["status"] == "linked" and after["incident_id"] is None:
        raise InvalidInput("the status linked needs an incident_id")
    values: dict[str, Any] = {k: v for k, v in after.items() if after[k] != before[k]}
    if "answer" in values:
        values["answered_at"] = None if values["answer"] is None else sa.func.now()
    if values:
        session.execute(sa.update(reports).where(reports.c.id == report_id).values(**values))
    return before, after


def photo_paths(
    photo_id: int, *, session: Session, report_id: int | None = None, tracking_hash: str | None = None,
    scope: Scope = None,
) -> dict[str, Any] | None:  # fmt: skip
    """A photo's files, found through its report's id (staff, scoped) or tracking hash."""
    params: dict[str, Any] = {"photo": photo_id, "report": report_id, "hash": tracking_hash}
    visible = area_clause("r.geom", scope, params)
    owner = "r.id = :report" if tracking_hash is None else "r.tracking_hash = :hash"
    row = session.execute(
        sa.text(
            "SELECT p.stored_path, p.public_path, p.content_type FROM report_photos AS p "
            f"JOIN reports AS r ON r.id = p.report_id WHERE p.id = :photo AND {owner} AND {visible}"
        ),
        params,
    ).mappings().first()  # fmt: skip
    return None if row is None else dict(row)
