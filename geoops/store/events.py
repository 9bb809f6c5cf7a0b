"""The events outbox: every change is a row, and a NOTIFY wakes whoever listens."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import Event
from geoops.store.scope import Scope, area_clause, incident_clause
from geoops.store.tables import events

CHANNEL = "geoops_events"
APPEND_EVENTS = (
    "INSERT INTO events (kind, payload) "
    "SELECT e.item ->> 0, e.item -> 1 "
    "FROM jsonb_array_elements(CAST(:items AS jsonb)) WITH ORDINALITY AS e(item, n) ORDER BY e.n "
    "RETURNING id"
)
INGEST_CHANNEL = "geoops_ingest"


def append_event(kind: str, payload: dict[str, Any], *, session: Session) -> int:
    """Insert an event; the NOTIFY carrying its id goes out when the caller commits."""
    event_id: int = session.execute(
        sa.insert(events).values(kind=kind, payload=payload).returning(events.c.id)
    ).scalar_one()
    session.execute(sa.select(sa.func.pg_notify(CHANNEL, str(event_id))))
    return event_id


def notify_ingest(source: str, *, session: Session) -> None:
    """Wake detectors: new raw data is committed with the caller's transaction."""
    session.execute(sa.select(sa.func.pg_notify(INGEST_CHANNEL, json.dumps({"source": source}))))


def events_after(
    after_id: int, *, session: Session, limit: int = 500, scope: Scope = None
) -> tuple[list[Event], int]:
    """Events after ``after_id`` that the caller may see, and the id to resume after.

    Ids are handed out before commit, so a slow transaction can commit a lower id after a
    reader has passed it. Only events of transactions older than every transaction still
    running are read, so none is ever skipped. An incident's events are visible only
    when the incident is in ``scope``; the cursor moves past the others."""
    params: dict[str, Any] = {"after": after_id, "limit": limit}
    rows = session.execute(
        sa.text(
            f"SELECT e.id, e.kind, e.payload, e.created_at, {_visible(scope, params)} AS visible "
            "FROM events AS e WHERE e.id > :after AND age(e.xmin) > age("
            "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid) "
            "ORDER BY e.id LIMIT :limit"
        ),
        params,
    ).all()
    found = [Event(r.id, r.kind, r.payload, r.created_at.isoformat()) for r in rows if r.visible]
    return found, (rows[-1].id if rows else after_id)


def _visible(scope: Scope, params: dict[str, Any]) -> str:
    """Whether the caller may see an event, by what it is about: an incident, a place
    (``longitude``/``latitude``), a report or a station; anything else is for every user."""
    if scope is None:
        return "TRUE"
    place = (
        "ST_SetSRID(ST_MakePoint((e.payload->>'longitude')::float8, (e.payload->>'latitude')::float8), 4326)"
    )
    report = "(SELECT r.geom FROM reports AS r WHERE r.id = (e.payload->>'report_id')::bigint)"
    station = "(SELECT st.geom FROM stations AS st WHERE st.id = e.payload->>'station_id')"
    return (
        "CASE WHEN e.payload ? 'incident_id' THEN "
        + incident_clause("(e.payload->>'incident_id')::bigint", scope, params)
        + " WHEN e.payload ? 'longitude' THEN "
        + area_clause(place, scope, params)
        + " WHEN e.payload ? 'report_id' THEN "
        + area_clause(report, scope, params)
        + " WHEN e.payload ? 'station_id' THEN "
        + area_clause(station, scope, params)
        + " ELSE TRUE END"
    )


def last_event_id(*, session: Session) -> int:
    return int(session.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar_one())


def append_events(items: list[tuple[str, dict[str, Any]]], *, session: Session) -> list[int]:
    """Insert many events in one statement, in order (one JSON document of them all: a pass
    writes hundreds, and encoding each payload as its own parameter cost more than the
    insert); one NOTIFY (the last id) wakes the listeners."""
    if not items:
        return []
    document = json.dumps([[str(kind), payload] for kind, payload in items], ensure_ascii=False)
    ids = sorted(int(i) for i in session.execute(sa.text(APPEND_EVENTS), {"items": document}).scalars())
    session.execute(sa.select(sa.func.pg_notify(CHANNEL, str(ids[-1]))))
    return ids
