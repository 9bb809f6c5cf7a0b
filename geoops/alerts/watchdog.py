"""Alerting watches itself: a channel failing for N minutes, or events waiting while the
matcher does not move, make alerting degraded (``/healthz``) and alert the
administrators on the channels that still work (and on their live pages)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from geoops.alerts.matcher import subscription_pushes
from geoops.alerts.message import AlertMessage, Reason, message_record
from geoops.settings import Settings
from geoops.store.alert_checks import failing_channels, matcher_lag
from geoops.store.alert_inputs import admin_subscriptions
from geoops.store.alert_records import NewAlert, insert_alerts

STALL_SECONDS = 120.0  # the oldest unread event older than this: the matcher is stuck


def alerting_health(settings: Settings, *, session: Session) -> dict[str, Any]:
    failing = failing_channels(settings.channel_failing_minutes, session=session)
    lag = matcher_lag(session=session)
    stalled = bool(lag["pending"]) and (lag["oldest_s"] or 0) > STALL_SECONDS
    return {
        "status": "degraded" if failing or stalled else "ok",
        "failing_channels": [
            {
                "channel": f["channel"],
                "since": f["since"].isoformat(),
                "deliveries": f["failing"],
                "last_error": f["last_error"],
            }
            for f in failing
        ],
        "pending_events": int(lag["pending"] or 0),
        "oldest_pending_s": None if lag["oldest_s"] is None else round(float(lag["oldest_s"]), 1),
        "matcher_stalled": stalled,
        "matcher_cursor": lag["cursor"],
    }


def tell_admins(health: dict[str, Any], *, session: Session) -> list[int]:
    """One health alert per problem (a failing channel since T, a stall at cursor C),
    pushed on every administrator subscription of another channel."""
    if health["status"] == "ok":
        return []
    problems = [
        (
            f"channel:{f['channel']}:{f['since']}",
            f"Alert channel {f['channel']} failing since {f['since']}",
            f"{f['deliveries']} deliveries failing; last error: {f['last_error']}",
            f["channel"],
        )
        for f in health["failing_channels"]
    ]
    if health["matcher_stalled"]:
        problems.append(
            (
                f"matcher:{health['matcher_cursor']}",
                "Alert matcher stalled",
                f"{health['pending_events']} events wait, the oldest {health['oldest_pending_s']} s",
                "",
            )
        )
    subscriptions = admin_subscriptions(session=session)
    new: list[NewAlert] = []
    for key, title, text, broken in problems:
        message = AlertMessage(
            0,
            Reason.HEALTH,
            datetime.now(UTC),
            title,
            text,
            "high",
            "admins",
            "administrators",
            level="admin",
        )
        pushes = subscription_pushes(subscriptions, besides=broken)
        new.append(
            NewAlert(
                f"health:{key}",
                Reason.HEALTH.value,
                "admins",
                "high",
                message_record(message),
                level="admin",
                pushes=pushes,
            )
        )
    return insert_alerts(new, session=session)
