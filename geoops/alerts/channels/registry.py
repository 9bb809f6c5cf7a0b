"""Loading the channel modules (their ``@register`` runs on import) and opening every channel."""

from __future__ import annotations

from geoops.alerts.channels.base import Channel, channel_names, make_channel
from geoops.settings import Settings


def load_channels() -> None:
    """Import the channel modules for their side effect: each registers its factory by name."""
    from geoops.alerts.channels import mqtt, smtp, webhook  # noqa: F401


def open_channels(settings: Settings) -> dict[str, Channel]:
    """One instance of every registered channel, by name; close each with ``close_channels``.

    A malformed URL in the settings (``GEOOPS_SMTP_URL``, ``GEOOPS_MQTT_URL``) raises
    ``ConfigurationError`` here; an unset one gives a channel whose sends fail ``NotConfigured``.
    """
    load_channels()
    return {name: make_channel(name, settings) for name in channel_names()}


async def close_channels(channels: dict[str, Channel]) -> None:
    for channel in channels.values():
        await channel.close()
