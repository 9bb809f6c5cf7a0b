"""What the alert checks read: overdue unacknowledged alerts, failing channels, a
stalled matcher, and the administrators' subscriptions that hear about it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def overdue_alerts(minutes: float, *, session: Session, limit: int = 200) -> list[Any]:
    """Urgent alerts nobody acknowledged within ``minutes``, locked (SKIP LOCKED: two
    checkers never escalate one alert twice), with where each goes: a jurisdiction's alert
    to the jurisdiction above; a crew's to the crew's own jurisdiction, or else the lowest
    one the incident lies in."""
    return list(
        session.execute(
            sa.text(
                "SELECT a.id, a.incident_id, a.jurisdiction_id, a.priority, a.created_at, a.message, "
                "p.id AS parent_id, p.name AS parent_name, p.level AS parent_level "
                "FROM alerts AS a LEFT JOIN jurisdictions AS j ON j.id = a.jurisdiction_id "
                "LEFT JOIN LATERAL (SELECT lj.id FROM incident_jurisdictions AS ij "
                "JOIN jurisdictions AS lj ON lj.id = ij.jurisdiction_id WHERE ij.incident_id = a.incident_id "
                "ORDER BY lj.level_rank DESC, lj.id LIMIT 1) AS home ON a.jurisdiction_id IS NULL "
                "LEFT JOIN crews AS c ON a.recipient = 'crew:' || c.id "
                "LEFT JOIN jurisdictions AS p ON p.id = coalesce(j.parent_id, c.jurisdiction_id, home.id) "
                "WHERE (a.jurisdiction_id IS NOT NULL OR a.level = 'crew') "
                "AND a.acked_at IS NULL AND a.escalated_at IS NULL AND a.priority IN ('high', 'critical') "
                "AND a.created_at < now() - make_interval(secs => :seconds) "
                "ORDER BY a.created_at LIMIT :limit FOR UPDATE OF a SKIP LOCKED"
            ),
            {"seconds": minutes * 60, "limit": limit},
        ).mappings()
    )


def mark_escalated(ids: list[int], *, session: Session) -> None:
    if ids:
        session.execute(sa.text("UPDATE alerts SET escalated_at = now() WHERE id = ANY(:ids)"), {"ids": ids})


def failing_channels(minutes: float, *, session: Session) -> list[dict[str, Any]]:
    """Channels whose deliveries have failed for ``minutes`` without one success since."""
    rows = session.execute(
        sa.text(
            "SELECT d.channel, min(d.first_failed_at) AS since, count(*) AS failing, "
            "(array_agg(d.last_error ORDER BY d.failed_at DESC))[1] AS last_error "
            "FROM deliveries AS d WHERE d.first_failed_at IS NOT NULL AND d.status <> 'delivered' "
            "AND d.failed_at > now() - make_interval(secs => :seconds) "
            "GROUP BY d.channel HAVING min(d.first_failed_at) < now() - make_interval(secs => :seconds) "
            "AND NOT EXISTS (SELECT 1 FROM deliveries AS ok WHERE ok.channel = d.channel "
            "AND ok.delivered_at > min(d.first_failed_at)) ORDER BY d.channel"
        ),
        {"seconds": minutes * 60},
    ).mappings()
    return [dict(r) for r in rows]


def matcher_lag(*, session: Session) -> dict[str, Any]:
    """Events the matcher has not read yet: how many, and how old the oldest is."""
    row = (
        session.execute(
            sa.text(
                "SELECT count(e.id) AS pending, extract(epoch FROM now() - min(e.created_at)) AS oldest_s, "
                "max(c.last_event_id) AS cursor FROM event_cursors AS c "
                "LEFT JOIN events AS e ON e.id > c.last_event_id WHERE c.consumer = 'matcher'"
            )
        )
        .mappings()
        .one_or_none()
    )
    return {"pending": 0, "oldest_s": None, "cursor": None} if row is None else dict(row)
