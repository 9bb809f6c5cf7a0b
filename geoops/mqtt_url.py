"""``GEOOPS_MQTT_URL`` parsed into a broker address, shared by the sensor feed and the alert channel.

It lives at the top level because ingest and alerts both need it and stages never import one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from geoops.errors import ConfigurationError

DEFAULT_PORT = 1883
SCHEMES = ("mqtt", "tcp")


@dataclass(frozen=True)
class MqttAddress:
    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None


def parse_mqtt_url(url: str) -> MqttAddress:
    """``mqtt://[user:password@]host[:port]`` (``tcp://`` too); user and password may be %-encoded."""
    parts = urlsplit(url)
    port = _port(parts)
    if parts.scheme not in SCHEMES or not parts.hostname or port is None:
        raise ConfigurationError(
            f"GEOOPS_MQTT_URL must look like mqtt://host:1883, not {_redacted(url, parts)!r}"
        )
    return MqttAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _port(parts: SplitResult) -> int | None:
    """The port given, else the default; None when it is not a number from 0 to 65535."""
    try:
        return parts.port or DEFAULT_PORT
    except ValueError:
        return None


def _redacted(url: str, parts: SplitResult) -> str:
    """``url`` without its password, for error messages that end up in logs."""
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
