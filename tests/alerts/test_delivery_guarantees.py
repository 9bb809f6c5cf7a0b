"""Delivery at least once: a dispatcher killed mid-send loses nothing (the lease expires,
the alert is sent again with the same idempotency key); failures retry, then dead-letter;
a failing channel turns /healthz degraded and the administrators hear of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.alerts.matcher import MatchConfig
from geoops.alerts.message import AlertMessage, Reason, message_record
from geoops.alerts.worker import check_once
from geoops.api.app import create_app
from geoops.settings import Settings
from geoops.store.alert_records import NewAlert, Push, insert_alerts
from geoops.store.engine import transaction
from tests.alerts.alerting_setup import dispatch, wait_for
from tests.alerts.receivers import Mailbox, Received, receiver_app, running
from tests.conftest import TEST_SECRET, make_user
from tests.live_server import serve

ALERTS = 40
GEOOPS = Path(sys.executable).parent / "geoops"


def add_alerts(engine: Engine, count: int, channel: str, target: str) -> list[int]:
    new = []
    for n in range(count):
        message = AlertMessage(0, Reason.NEW, datetime.now(UTC), f"Test fire {n}",
                               "text", "high", "jurisdiction:1", "Region")  # fmt: skip
        new.append(NewAlert(f"test:{n}", "new", "admins", "high", message_record(message), level="region",
                            pushes=[Push(channel, target)]))  # fmt: skip
    with transaction(engine) as session:
        return insert_alerts(new, session=session)


def deliveries(engine: Engine) -> list[sa.Row[tuple[str, str, int]]]:
    with engine.connect() as conn:
        return list(
            conn.execute(sa.text("SELECT idempotency_key, status, attempts FROM deliveries ORDER BY id"))
        )


@pytest.fixture
def hooks() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []
    with serve(receiver_app(received)) as url:
        yield url, received


def start_dispatcher(database_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GEOOPS_DATABASE_URL": database_url, "GEOOPS_SECRET_KEY": TEST_SECRET,
           "GEOOPS_WEBHOOK_ALLOW_PRIVATE": "1", "GEOOPS_DELIVERY_LEASE_SECONDS": "3", "GEOOPS_LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.Popen(
        [str(GEOOPS), "alerts", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_a_dispatcher_killed_mid_send_loses_no_alert(
    engine: Engine, database_url: str, hooks: tuple[str, list[Received]]
) -> None:
    url, received = hooks
    add_alerts(engine, ALERTS, "webhook", f"{url}/slow")  # the receiver answers after 2 s
    worker = start_dispatcher(database_url)
    try:
        wait_for(lambda: len(received) >= ALERTS, "the first sends", timeout=30)
    finally:
        worker.send_signal(signal.SIGKILL)  # mid-send: nothing recorded as delivered yet
        worker.wait(10)
    assert {status for _, status, _ in deliveries(engine)} == {"sending"}
    worker = start_dispatcher(database_url)
    try:
        wait_for(lambda: {s for _, s, _ in deliveries(engine)} == {"delivered"}, "every delivery", timeout=60)
    finally:
        worker.terminate()
        worker.wait(10)
    keys = [key for key, _, _ in deliveries(engine)]
    arrived = [r.headers["idempotency-key"] for r in received]
    assert set(arrived) == set(keys), "every alert arrived"
    assert len(arrived) > len(keys), (
        "the interrupted ones came twice, with the same key: receivers drop repeats"
    )
    assert all(attempts == 2 for _, _, attempts in deliveries(engine))


def test_failures_retry_then_dead_letter_and_a_failing_channel_is_reported(
    engine: Engine, settings: Settings, hooks: tuple[str, list[Received]]
) -> None:
    url, received = hooks
    mailbox = Mailbox()
    for controller in running(mailbox):
        configured = settings.model_copy(update={
            "webhook_allow_private": True, "delivery_max_attempts": 2, "delivery_backoff_seconds": 0.05,
            "channel_failing_minutes": 0.01, "smtp_url": f"smtp://127.0.0.1:{controller.port}"})  # fmt: skip
        token = make_user(engine, configured, "admin")
        with TestClient(create_app(configured), headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.post("/api/v1/subscriptions", json={
                "name": "admin mail", "point": {"longitude": 0, "latitude": 0, "radius_m": 1000},
                "channel": "email", "target": "admin@example.org"}).status_code == 201  # fmt: skip
            add_alerts(engine, 1, "webhook", f"{url}/status/500")
            assert dispatch(engine, configured) == 1
            assert [(s, a) for _, s, a in deliveries(engine)] == [("pending", 1)]  # retried later
            time.sleep(0.8)
            assert dispatch(engine, configured) == 1
            assert [(s, a) for _, s, a in deliveries(engine)] == [("dead", 2)]
            assert len(received) == 2
            dead = client.get("/api/v1/deliveries/dead").json()["deliveries"]
            assert len(dead) == 1 and "500" in dead[0]["last_error"]
            health = client.get("/healthz").json()
            assert health["status"] == "degraded"
            assert [c["channel"] for c in health["alerting"]["failing_channels"]] == ["webhook"]
            check_once(engine, MatchConfig.from_settings(configured), configured)
            assert dispatch(engine, configured) == 1  # the health alert, by e-mail (not by webhook)
            [mail] = mailbox.messages()
            assert "webhook failing" in str(mail["Subject"])
            retried = client.post(f"/api/v1/deliveries/{dead[0]['id']}/retry")
            assert retried.json()["status"] == "pending"
            assert client.post(f"/api/v1/deliveries/{dead[0]['id']}/retry").status_code == 404


def test_a_stalled_matcher_is_reported_once_per_stall(engine: Engine, settings: Settings) -> None:
    from geoops.alerts.watchdog import alerting_health, tell_admins
    from geoops.store.events import append_event

    with transaction(engine) as session:  # the matcher's cursor stays at 0: it has stopped
        append_event("incident.updated", {"incident_id": 1}, session=session)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE events SET created_at = now() - interval '5 minutes'"))
    for _ in range(2):  # more events arrive while it is stuck: still one health alert
        with transaction(engine) as session:
            append_event("incident.updated", {"incident_id": 2}, session=session)
        with transaction(engine) as session:
            health = alerting_health(settings, session=session)
            assert health["status"] == "degraded" and health["matcher_stalled"]
            tell_admins(health, session=session)
    with engine.connect() as conn:
        titles = (
            conn.execute(sa.text("SELECT message->>'title' FROM alerts WHERE reason = 'health'"))
            .scalars()
            .all()
        )
    assert titles == ["Alert matcher stalled"]
