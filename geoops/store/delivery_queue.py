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
    """Due deliveries (pending and due, or sending with an expired lease), marked sending,
    with what sending needs: the alert and the subscription's signing secret."""
    rows = session.execute(
        sa.text(
            "WITH due AS (SELECT id FROM deliveries WHERE status IN ('pending', 'sending') "
            "AND CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_until END <= now() "
            "ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED) "
            "UPDATE deliveries AS d SET status = 'sending', attempts = d.attempts + 1, "
            "lease_until = now() + make_interval(secs => :lease) FROM due, alerts AS a "
            "WHERE d.id = due.id AND a.id = d.alert_id "
            "RETURNING d.id, d.alert_id, d.channel, d.target, "
            "(SELECT s.secret FROM subscriptions AS s WHERE s.id = d.subscription_id) AS secret, "
            "d.idempotency_key, d.attempts, a.created_at, a.acked_at, a.message"
        ),
        {"limit": limit, "lease": lease_seconds},
    ).all()
    return sorted((Claimed(*r) for r in rows), key=lambda c: c.id)


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
    if not failures:
        return
    session.execute(
        sa.text(
            "UPDATE deliveries AS d SET last_error = f.reason, failed_at = now(), "
            "first_failed_at = coalesce(d.first_failed_at, now()), lease_until = NULL, "
            "status = CASE WHEN f.retry IS NULL THEN 'dead' ELSE 'pending' END, "
            "next_attempt_at = now() + make_interval(secs => coalesce(f.retry, 0)) "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:reasons AS text[]), CAST(:retries AS float8[])) "
            "AS f(id, reason, retry) WHERE d.id = f.id AND d.status = 'sending'"
        ),
        {
            "ids": [i for i, _, _ in failures],
            "reasons": [reason[:2000] for _, reason, _ in failures],
            "retries": [retry for _, _, retry in failures],
        },
    )


def retry_dead(delivery_id: int, *, session: Session) -> bool:
    """An administrator sends a dead-lettered delivery again (attempts start over)."""
    return bool(
        session.execute(
            sa.text(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now() "
                "WHERE id = :id AND status = 'dead' RETURNING id"
            ),
            {"id": delivery_id},
        ).scalar()
    )
