"""The channel protocol, the delivery a channel sends, and the registry of channels."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from geoops.alerts.message import AlertMessage, alert_payload
from geoops.settings import Settings


@dataclass(frozen=True)
class Delivery:
    """One attempt to hand one alert to one target on one channel."""

    id: int
    channel: str
    target: str  # webhook URL, e-mail address, MQTT topic
    secret: str | None  # webhook signing secret of the subscription
    idempotency_key: str  # the same on every attempt: receivers drop repeats by it
    attempt: int  # 1 on the first try
    message: AlertMessage


def delivery_json(delivery: Delivery) -> bytes:
    """The body webhook and MQTT deliveries carry: the alert and the idempotency key."""
    payload = {**alert_payload(delivery.message), "idempotency_key": delivery.idempotency_key}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class DeliveryFailed(Exception):
    """The target did not take the alert. ``retryable``: worth another attempt later."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class NotConfigured(DeliveryFailed):
    """The channel lacks configuration (no broker, no SMTP server): retried, since an
    administrator may configure it, and reported by the health check."""


class Channel(Protocol):
    name: str

    async def send(self, delivery: Delivery) -> None:
        """Deliver or raise ``DeliveryFailed``; returning means the target accepted it."""
        ...

    async def close(self) -> None: ...


ChannelFactory = Callable[[Settings], Channel]
_REGISTRY: dict[str, ChannelFactory] = {}


def register(name: str) -> Callable[[ChannelFactory], ChannelFactory]:
    def add(factory: ChannelFactory) -> ChannelFactory:
        _REGISTRY[name] = factory
        return factory

    return add


def channel_names() -> list[str]:
    return sorted(_REGISTRY)


def make_channel(name: str, settings: Settings) -> Channel:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}; known: {', '.join(channel_names())}") from None
    return factory(settings)
