"""An alerting world for end-to-end tests: the places around Yakutsk, users of each
level, a crew, a live server, and helpers that match and dispatch like the workers do."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine

from geoops.alerts.channels.registry import close_channels, open_channels
from geoops.alerts.dispatcher import Dispatcher
from geoops.alerts.matcher import MatchConfig
from geoops.alerts.worker import match_all
from geoops.settings import Settings
from tests.api.test_events_stream import Frame, frames
from tests.local_services import wait_for

WAIT_S = 15.0


def match(engine: Engine, settings: Settings) -> int:
    return match_all(engine, MatchConfig.from_settings(settings))


def dispatch(engine: Engine, settings: Settings) -> int:
    """One dispatcher round with every channel, as ``geoops serve`` runs it."""

    async def round_() -> int:
        channels = open_channels(settings)
        try:
            return await Dispatcher(engine, settings, channels).run_once()
        finally:
            await close_channels(channels)

    return asyncio.run(round_())


@dataclass
class LiveStream:
    """An SSE connection to /api/v1/alerts/stream read in a thread."""

    base_url: str
    token: str
    frames: list[Frame] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)

    def start(self) -> LiveStream:
        threading.Thread(target=self._read, daemon=True).start()
        assert self.connected.wait(WAIT_S), "the alert stream did not open"
        return self

    def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = httpx.Timeout(10.0, read=60.0)
        url = f"{self.base_url}/api/v1/alerts/stream"
        try:
            with httpx.stream("GET", url, headers=headers, timeout=timeout) as r:
                r.raise_for_status()
                self.connected.set()
                for frame in frames(r.iter_lines()):
                    self.frames.append(frame)
        except httpx.TransportError:
            pass  # the test server stopped with the stream open


@dataclass
class MqttInbox:
    """A real MQTT subscriber to geoops/alerts/# on the test broker."""

    port: int
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = lambda c, u, m: self.messages.append((m.topic, json.loads(m.payload)))
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe("geoops/alerts/#", qos=1)
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        assert subscribed.wait(WAIT_S), "could not subscribe to the test broker"

    def topics(self) -> set[str]:
        return {t for t, _ in self.messages}

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


__all__ = ["wait_for"]
