"""Alert reads for people: the alerts addressed to a caller, one alert with its delivery
receipts, acknowledgement, and the per-level delivery and acknowledgement times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

ALERT_COLUMNS = (
    "a.id, a.created_at, a.acked_at, a.acked_by, a.message, a.jurisdiction_id, a.user_id, a.level, a.reason"
)


@dataclass(frozen=True)
class Reader:
    """Whose alerts: a user's own jurisdictions and subscriptions; everything for admins."""

    user_id: int
    jurisdiction_ids: list[int]
    everything: bool = False


def addressed_to(reader: Reader, params: dict[str, Any]) -> str:
    if reader.everything:
        return "TRUE"
    params.update(reader_jurisdictions=reader.jurisdiction_ids, reader_user=reader.user_id)
    return "(a.jurisdiction_id = ANY(CAST(:reader_jurisdictions AS integer[])) OR a.user_id = :reader_user)"


def alerts_for(
    reader: Reader, *, session: Session, after: int = 0, limit: int = 100, unacked: bool = False,
    newest_first: bool = True,
) -> list[Any]:  # fmt: skip
    params: dict[str, Any] = {"after": after, "limit": limit}
    where = [addressed_to(reader, params), "a.id > :after"]
    if unacked:
        where.append("a.acked_at IS NULL")
    order = "DESC" if newest_first else "ASC"
    return list(
        session.execute(
            sa.text(
                f"SELECT {ALERT_COLUMNS} FROM alerts AS a WHERE {' AND '.join(where)} ORDER BY a.id {order} LIMIT :limit"
            ),
            params,
        ).mappings()
    )


def committed_alerts_after(after: int, *, session: Session, limit: int = 1000) -> list[Any]:
    """Every alert after ``after`` whose transaction is older than all running ones (ids
    are handed out before commit: a later commit of a lower id is never skipped)."""
    return list(
        session.execute(
            sa.text(
                f"SELECT {ALERT_COLUMNS} FROM alerts AS a WHERE a.id > :after AND age(a.xmin) > age("
                "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid) "
                "ORDER BY a.id LIMIT :limit"
            ),
            {"after": after, "limit": limit},
        ).mappings()
    )


def alert_for(alert_id: int, reader: Reader, *, session: Session) -> Any | None:
    params: dict[str, Any] = {"id": alert_id}
    return (
        session.execute(
            sa.text(
                f"SELECT {ALERT_COLUMNS} FROM alerts AS a WHERE a.id = :id AND {addressed_to(reader, params)}"
            ),
            params,
        )
        .mappings()
        .one_or_none()
    )


def receipts(alert_id: int, *, session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.text(
            "SELECT id, channel, target, status, attempts, idempotency_key, created_at, delivered_at, "
            "failed_at, last_error, next_attempt_at FROM deliveries WHERE alert_id = :id ORDER BY id"
        ),
        {"id": alert_id},
    ).mappings()
    return [dict(r) for r in rows]


def sent_at(alert_id: int, *, session: Session) -> datetime | None:
    """When an alert was made (CAP ``<references>`` name the alert an update follows)."""
    found: datetime | None = session.execute(
        sa.text("SELECT created_at FROM alerts WHERE id = :id"), {"id": alert_id}
    ).scalar()
    return found


def latest_alert_id(*, session: Session) -> int:
    return int(session.execute(sa.text("SELECT coalesce(max(id), 0) FROM alerts")).scalar_one())


def dead_letters(*, session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.text(
            "SELECT d.id, d.alert_id, d.channel, d.target, d.attempts, d.last_error, d.first_failed_at, "
            "d.failed_at, a.message ->> 'title' AS title FROM deliveries AS d JOIN alerts AS a ON a.id = d.alert_id "
            "WHERE d.status = 'dead' ORDER BY d.failed_at DESC LIMIT :limit"
        ),
        {"limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def alert_timings(*, session: Session) -> list[dict[str, Any]]:
    """p50/p95 seconds from the incident event to delivery, and to acknowledgement, per
    level and channel (live: first push to an open page)."""
    rows = session.execute(
        sa.text(
            "WITH d AS (SELECT a.level, d.channel, extract(epoch FROM d.delivered_at - coalesce(a.event_at, a.created_at)) AS s "
            "FROM deliveries AS d JOIN alerts AS a ON a.id = d.alert_id WHERE d.delivered_at IS NOT NULL "
            "UNION ALL SELECT a.level, 'live', extract(epoch FROM a.live_delivered_at - coalesce(a.event_at, a.created_at)) "
            "FROM alerts AS a WHERE a.live_delivered_at IS NOT NULL), "
            "k AS (SELECT a.level, extract(epoch FROM a.acked_at - a.created_at) AS s FROM alerts AS a WHERE a.acked_at IS NOT NULL) "
            "SELECT 'deliver' AS measure, coalesce(level, 'none') AS level, channel, count(*) AS n, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95 "
            "FROM d GROUP BY level, channel UNION ALL "
            "SELECT 'acknowledge', coalesce(level, 'none'), NULL, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), "
            "percentile_cont(0.95) WITHIN GROUP (ORDER BY s) FROM k GROUP BY level ORDER BY 1, 2, 3"
        )
    ).mappings()
    return [dict(r) for r in rows]
