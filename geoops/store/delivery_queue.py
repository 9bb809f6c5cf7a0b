"""The delivery queue: claimed with FOR UPDATE SKIP LOCKED by any number of dispatchers,
leased (a dispatcher that dies mid-send leaves its claim to expire and be sent again),
recorded as delivered, retried later, or dead-lettered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Claimed:
    id: int
    alert_id: int
    channel: str
    target: str
    secret: str | None
    idempotency_key: str
    attempt: int
    alert_created_at: datetime
    acked_at: datetime | None
    message: dict[str, Any]


def claim_deliveries(limit: int, lease_seconds: float, *, session: Session) -> list[Claimed]:
    """Due deliveries (pending and due, or sending with an expired lease), marked sending."""
    rows = session.execute(
        sa.text(
            "WITH due AS (SELECT id FROM deliveries WHERE status IN ('pending', 'sending') "
            "AND CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_until END <= now() "
            "ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED) "
            "UPDATE deliveries AS d SET status = 'sending', attempts = d.attempts + 1, "
            "lease_until = now() + make_interval(secs => :lease) FROM due WHERE d.id = due.id "
            "RETURNING d.id, d.alert_id, d.channel, d.target, d.subscription_id, d.idempotency_key, d.attempts"
        ),
        {"limit": limit, "lease": lease_seconds},
    ).all()
    if not rows:
        return []
    alerts = {
        r.id: r
        for r in session.execute(
            sa.text("SELECT id, created_at, acked_at, message FROM alerts WHERE id = ANY(:ids)"),
            {"ids": sorted({r.alert_id for r in rows})},
        )
    }
    secrets = {
        s.id: s.secret
        for s in session.execute(
            sa.text("SELECT id, secret FROM subscriptions WHERE id = ANY(:ids)"),
            {"ids": sorted({r.subscription_id for r in rows if r.subscription_id is not None})},
        )
    }
    return [
        Claimed(
            r.id,
            r.alert_id,
            r.channel,
            r.target,
            secrets.get(r.subscription_id),
            r.idempotency_key,
            r.attempts,
            alerts[r.alert_id].created_at,
            alerts[r.alert_id].acked_at,
            alerts[r.alert_id].message,
        )
        for r in sorted(rows, key=lambda r: r.id)
    ]


def mark_delivered(ids: list[int], *, session: Session) -> None:
    if ids:
        session.execute(
            sa.text(
                "UPDATE deliveries SET status = 'delivered', delivered_at = now(), lease_until = NULL "
                "WHERE id = ANY(:ids) AND status = 'sending'"
            ),
            {"ids": ids},
        )


def mark_failed(failures: list[tuple[int, str, float | None]], *, session: Session) -> None:
    """``(id, reason, retry_in_seconds)``; None as the delay dead-letters the delivery."""
    for delivery_id, reason, retry_in in failures:
        session.execute(
            sa.text(
                "UPDATE deliveries SET last_error = :reason, failed_at = now(), "
                "first_failed_at = coalesce(first_failed_at, now()), lease_until = NULL, "
                "status = CASE WHEN CAST(:retry AS float8) IS NULL THEN 'dead' ELSE 'pending' END, "
                "next_attempt_at = now() + make_interval(secs => coalesce(CAST(:retry AS float8), 0)) "
                "WHERE id = :id AND status = 'sending'"
            ),
            {"id": delivery_id, "reason": reason[:2000], "retry": retry_in},
        )
