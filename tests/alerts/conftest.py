"""Shared pieces of the channel tests: settings without a database, a sample delivery, and a
private Mosquitto broker per test (tests/local_services.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from geoops.alerts.channels.base import Delivery, DeliveryFailed, make_channel
from geoops.alerts.channels.registry import load_channels
from geoops.alerts.message import AlertMessage, Reason
from geoops.settings import Settings
from tests.local_services import WAIT_S, Broker, free_port, mosquitto_broker

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


def send_on(name: str, target: Delivery, **settings: Any) -> None:
    """Send ``target`` on a new ``name`` channel, made as the dispatcher makes it, then close it."""
    load_channels()

    async def scenario() -> None:
        channel = make_channel(name, channel_settings(**settings))
        try:
            await channel.send(target)
        finally:
            await channel.close()

    asyncio.run(scenario())


def failure_on(name: str, target: Delivery, **settings: Any) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        send_on(name, target, **settings)
    return caught.value


@pytest.fixture
def broker() -> Iterator[Broker]:
    yield from mosquitto_broker()


__all__ = ["WAIT_S", "Broker", "free_port"]
