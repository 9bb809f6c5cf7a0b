"""The MQTT channel against a real Mosquitto, with a real subscriber receiving the alerts."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import aiomqtt
import pytest

from geoops.alerts.channels.base import Channel, DeliveryFailed, NotConfigured, make_channel
from geoops.alerts.channels.mqtt import MqttChannel
from geoops.alerts.channels.registry import load_channels
from geoops.errors import ConfigurationError
from geoops.mqtt_url import MqttAddress, parse_mqtt_url
from tests.alerts.conftest import WAIT_S, Broker, channel_settings, delivery, failure_on, free_port

TOPIC = "geoops/alerts/sakha-republic"


def mqtt_channel(port: int | None) -> Channel:
    load_channels()
    url = None if port is None else f"mqtt://127.0.0.1:{port}"
    return make_channel("mqtt", channel_settings(mqtt_url=url))


async def next_message(subscriber: aiomqtt.Client) -> aiomqtt.Message:
    async with asyncio.timeout(WAIT_S):
        return await anext(subscriber.messages)


def test_an_alert_is_published_as_json_with_qos_1(broker: Broker) -> None:
    async def scenario() -> list[aiomqtt.Message]:
        channel = mqtt_channel(broker.port)
        async with aiomqtt.Client("127.0.0.1", broker.port) as subscriber:
            await subscriber.subscribe("geoops/alerts/#", qos=1)
            await channel.send(delivery(TOPIC, channel="mqtt", key="alert-42-jurisdiction-12"))
            await channel.send(delivery("geoops/alerts/crews/7", channel="mqtt", key="alert-42-crew-7"))
            received = [await next_message(subscriber), await next_message(subscriber)]
        await channel.close()
        return received

    first, second = asyncio.run(scenario())
    assert (str(first.topic), first.qos) == (TOPIC, 1)
    assert isinstance(first.payload, bytes)
    payload = json.loads(first.payload)
    assert payload["idempotency_key"] == "alert-42-jurisdiction-12"
    assert payload["id"] == 42 and payload["priority"] == "critical"
    assert payload["text"].startswith("Подтверждён")
    assert str(second.topic) == "geoops/alerts/crews/7"


def test_a_broker_that_is_down_is_retried() -> None:
    port = free_port()
    failed = failure_on("mqtt", delivery(TOPIC, channel="mqtt"), mqtt_url=f"mqtt://127.0.0.1:{port}")
    assert failed.retryable is True
    assert failed.reason.startswith(f"MQTT broker unreachable: 127.0.0.1:{port}: ")


def test_after_the_broker_dies_the_next_send_fails_and_the_one_after_it_comes_back(broker: Broker) -> None:
    async def scenario() -> tuple[DeliveryFailed, aiomqtt.Message]:
        channel = mqtt_channel(broker.port)
        await channel.send(delivery(TOPIC, channel="mqtt"))  # connected
        await asyncio.to_thread(broker.stop)
        with pytest.raises(DeliveryFailed) as caught:
            await channel.send(delivery(TOPIC, channel="mqtt"))
        await asyncio.to_thread(broker.start)
        async with aiomqtt.Client("127.0.0.1", broker.port) as subscriber:
            await subscriber.subscribe(TOPIC, qos=1)
            await channel.send(delivery(TOPIC, channel="mqtt", key="after-the-restart"))
            message = await next_message(subscriber)
        await channel.close()
        return caught.value, message

    failed, message = asyncio.run(scenario())
    assert failed.retryable is True and failed.reason.startswith("MQTT broker unreachable: ")
    assert isinstance(message.payload, bytes)
    assert json.loads(message.payload)["idempotency_key"] == "after-the-restart"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung broker)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_a_broker_that_does_not_answer_is_retried_after_the_timeout(silent_port: int) -> None:
    async def scenario() -> None:
        channel = MqttChannel(MqttAddress("127.0.0.1", silent_port), timeout=0.5)
        try:
            await channel.send(delivery(TOPIC, channel="mqtt"))
        finally:
            await channel.close()

    with pytest.raises(DeliveryFailed) as caught:
        asyncio.run(scenario())
    assert caught.value.retryable is True
    assert (
        caught.value.reason == f"MQTT broker unreachable: 127.0.0.1:{silent_port} did not answer within 0.5s"
    )


def test_without_a_broker_the_channel_is_not_configured() -> None:
    with pytest.raises(NotConfigured) as caught:
        asyncio.run(mqtt_channel(None).send(delivery(TOPIC, channel="mqtt")))
    assert caught.value.retryable is True
    assert caught.value.reason == "no MQTT broker: set GEOOPS_MQTT_URL"


@pytest.mark.parametrize("topic", ["", "geoops/alerts/#", "geoops/+/crews"])
def test_a_topic_with_wildcards_is_not_retried(topic: str) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        asyncio.run(mqtt_channel(free_port()).send(delivery(topic, channel="mqtt")))
    assert caught.value.retryable is False


def test_mqtt_urls_are_parsed_and_bad_ones_refused_without_showing_the_password() -> None:
    assert parse_mqtt_url("mqtt://broker.example") == MqttAddress("broker.example", 1883)
    assert parse_mqtt_url("tcp://geoops:p%40ss@broker.example:8883") == MqttAddress(
        "broker.example", 8883, "geoops", "p@ss"
    )
    for url in ("http://broker.example", "mqtt://", "mqtt://broker.example:http"):
        with pytest.raises(ConfigurationError):
            make_channel("mqtt", channel_settings(mqtt_url=url))
    with pytest.raises(ConfigurationError) as caught:
        parse_mqtt_url("mqtt://geoops:hunter2@broker.example:99999")
    assert "hunter2" not in caught.value.detail and "geoops:***@" in caught.value.detail
