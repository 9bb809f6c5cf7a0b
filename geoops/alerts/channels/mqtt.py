"""The MQTT channel: each alert as JSON, published with QoS 1 on the delivery's topic.

Topics look like ``geoops/alerts/{jurisdiction}`` or ``geoops/alerts/crews/{crew}``. One
connection stays open between sends; after a failure it is dropped and the next send
connects again. The client id is random: ``GEOOPS_MQTT_CLIENT_ID`` belongs to the sensor
subscriber, and a second client with the same id would push it off the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiomqtt

from geoops.alerts.channels.base import (
    Channel,
    Delivery,
    DeliveryFailed,
    NotConfigured,
    delivery_json,
    register,
)
from geoops.mqtt_url import MqttAddress, parse_mqtt_url
from geoops.settings import Settings

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0  # connecting plus publishing, until the broker's acknowledgement
KEEPALIVE_S = 60
MAX_TOPIC_BYTES = 65535


class MqttChannel:
    name = "mqtt"

    def __init__(self, address: MqttAddress | None, *, timeout: float = TIMEOUT_S) -> None:
        self._address, self._timeout = address, timeout
        self._lock = asyncio.Lock()
        self._connection: contextlib.AsyncExitStack | None = None
        self._client: aiomqtt.Client | None = None

    async def send(self, delivery: Delivery) -> None:
        if self._address is None:
            raise NotConfigured("no MQTT broker: set GEOOPS_MQTT_URL")
        topic = _topic(delivery.target)
        payload = delivery_json(delivery)
        async with self._lock:
            try:
                async with asyncio.timeout(self._timeout):
                    client = await self._connected(self._address)
                    await client.publish(topic, payload, qos=1)
            except Exception as exc:
                await self._disconnect()
                raise _failure(exc, self._address, self._timeout, delivery) from exc

    async def close(self) -> None:
        async with self._lock:
            await self._disconnect()

    async def _connected(self, address: MqttAddress) -> aiomqtt.Client:
        if self._client is None:
            connection = contextlib.AsyncExitStack()
            client = aiomqtt.Client(
                address.host, address.port, username=address.username, password=address.password,
                timeout=self._timeout, keepalive=KEEPALIVE_S,
            )  # fmt: skip
            self._client = await connection.enter_async_context(client)
            self._connection = connection
            log.info("MQTT alerts: connected to %s:%d", address.host, address.port)
        return self._client

    async def _disconnect(self) -> None:
        connection, self._connection, self._client = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a connection that already failed may fail to close
                await connection.aclose()


def _failure(exc: Exception, address: MqttAddress, timeout: float, delivery: Delivery) -> DeliveryFailed:
    where = f"{address.host}:{address.port}"
    if isinstance(exc, TimeoutError):
        return DeliveryFailed(f"MQTT broker unreachable: {where} did not answer within {timeout:g}s")
    if isinstance(exc, aiomqtt.MqttError | OSError):
        return DeliveryFailed(f"MQTT broker unreachable: {where}: {exc}")
    log.error("MQTT delivery %d failed unexpectedly", delivery.id, exc_info=exc)
    return DeliveryFailed(f"unexpected error publishing to {where}: {exc!r}")


def _topic(target: str) -> str:
    """A topic to publish on: not empty, no wildcards, not too long (else not retryable)."""
    if not target or "+" in target or "#" in target or "\0" in target:
        raise DeliveryFailed(f"not an MQTT topic to publish on: {target!r}", retryable=False)
    if len(target.encode()) > MAX_TOPIC_BYTES:
        raise DeliveryFailed("MQTT topic longer than 65535 bytes", retryable=False)
    return target


@register("mqtt")
def mqtt_channel(settings: Settings) -> Channel:
    address = None if settings.mqtt_url is None else parse_mqtt_url(settings.mqtt_url)
    return MqttChannel(address)
