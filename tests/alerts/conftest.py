"""Shared pieces of the channel tests: settings without a database, a sample delivery, and a
private Mosquitto broker per test (``mosquitto -p PORT``, started and killed by its own pid)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from geoops.alerts.channels.base import Delivery
from geoops.alerts.message import AlertMessage, Reason
from geoops.settings import Settings

WAIT_S = 10.0  # bound on every wait for a server to listen or a message to arrive

MESSAGE = AlertMessage(
    id=42,
    reason=Reason.NEW,
    created_at=datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
    title="Wildfire 14-2026-0042 confirmed near Yakutsk",
    text="Подтверждён лесной пожар: 120.5 ha, 17 hotspots.",  # non-ASCII on purpose
    priority="critical",
    recipient="jurisdiction:12",
    recipient_name="Sakha Republic",
    incident_id=7,
    incident_number="14-2026-0042",
    incident_status="confirmed",
    area_ha=120.5,
    hotspot_count=17,
    sources=("firms",),
    centroid=(129.7123, 62.0346),
    jurisdictions=("Sakha Republic",),
    url="https://geoops.example/incidents/7",
)


def channel_settings(**overrides: Any) -> Settings:
    """Settings for channel tests; they need no database."""
    values: dict[str, Any] = {
        "database_url": "postgresql://unused/x",
        "secret_key": SecretStr("x" * 32),
        "webhook_allow_private": True,
    }
    return Settings(**(values | overrides))


def delivery(
    target: str, *, channel: str = "webhook", secret: str | None = None, key: str = "alert-42-jurisdiction-12"
) -> Delivery:
    return Delivery(
        id=1, channel=channel, target=target, secret=secret, idempotency_key=key, attempt=1, message=MESSAGE
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Broker:
    """A private Mosquitto on ``port``; ``stop`` kills this very process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Broker:
        self.process = subprocess.Popen(
            ["mosquitto", "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + WAIT_S
        while not accepts(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise AssertionError(f"mosquitto did not listen on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(WAIT_S)
            self.process = None


@pytest.fixture
def broker() -> Iterator[Broker]:
    if shutil.which("mosquitto") is None:
        pytest.skip("the mosquitto broker is not installed (apt-get install mosquitto)")
    running = Broker(free_port()).start()
    try:
        yield running
    finally:
        running.stop()
