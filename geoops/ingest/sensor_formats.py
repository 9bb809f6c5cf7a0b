"""Observation payloads: the geoops JSON shape and adapters for other feeds, by name.

An adapter turns one decoded JSON item into observation rows
(``station_id, observed_at, property, value, unit``) for ``ingest_observations``, which
checks them. A feed with another shape plugs in with one function in ``FORMATS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geoops.domain import RowError

Row = dict[str, Any]
Adapter = Callable[[Any, "str | None"], list[Row]]  # (item, station id from the topic or None)
GEOOPS = "geoops"
SENSOR_COMMUNITY = "sensor.community"
# sensor.community value types (SDS011, BME280, DHT22, SPS30...) → property and unit.
SC_VALUE_TYPES = {
    "P0": ("pm1", "ug/m3"), "P1": ("pm10", "ug/m3"), "P2": ("pm25", "ug/m3"), "P4": ("pm4", "ug/m3"),
    "temperature": ("temperature", "degC"), "humidity": ("humidity", "%"), "pressure": ("pressure", "Pa"),
    "pressure_at_sealevel": ("pressure_at_sealevel", "Pa"),
}  # fmt: skip


class MalformedPayload(ValueError):
    """A payload (or one item of it) that is not in any shape geoops reads."""


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the item each row came from, from 1
    errors: list[RowError] = field(default_factory=list)  # items no adapter could read


def decode_json(payload: bytes | str) -> Any:
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedPayload(f"not JSON: {exc}") from None


def geoops_rows(item: Any, station_id: str | None) -> list[Row]:
    """``{"observed_at", "property", "value", "unit"}``; the station comes from the topic
    (MQTT) or from the item's ``station_id`` (HTTP, CSV)."""
    if not isinstance(item, dict):
        raise MalformedPayload(f"an observation must be a JSON object, not {type(item).__name__}")
    if station_id is None:
        return [item]
    given = item.get("station_id")
    if given is not None and str(given) != station_id:
        raise MalformedPayload(f"station_id '{given}' differs from the topic's station '{station_id}'")
    return [{**item, "station_id": station_id}]


def sensor_community_rows(item: Any, station_id: str | None) -> list[Row]:
    """One sensor.community record: ``sensor.id``, ``timestamp`` (UTC) and
    ``sensordatavalues`` (P1 → pm10, P2 → pm25, temperature, humidity, …). Value types
    geoops does not know are skipped; the station is ``sc-<sensor id>`` unless a topic names it."""
    values = item.get("sensordatavalues") if isinstance(item, dict) else None
    if not isinstance(values, list):
        raise MalformedPayload("not a sensor.community record: no sensordatavalues list")
    station = station_id or _sensor_community_station(item)
    rows = []
    for value in values:
        if not isinstance(value, dict):
            raise MalformedPayload("a sensordatavalues entry is not an object")
        value_type = str(value.get("value_type", ""))
        known = SC_VALUE_TYPES.get(value_type) or SC_VALUE_TYPES.get(value_type.rpartition("_")[2])
        if known:
            prop, unit = known
            row = {"station_id": station, "observed_at": item.get("timestamp"), "property": prop}
            rows.append({**row, "value": value.get("value"), "unit": unit})
    return rows


def sensor_community_station(item: Any) -> Row:
    """The station row (``station_id, lon, lat, name, kind``) of a sensor.community record."""
    if not isinstance(item, dict) or not isinstance(item.get("location"), dict):
        raise MalformedPayload("not a sensor.community record: no location")
    station_id, location = _sensor_community_station(item), item["location"]
    sensor_type = item["sensor"].get("sensor_type")
    kind = sensor_type.get("name") if isinstance(sensor_type, dict) else None
    return {
        "station_id": station_id,
        "lon": location.get("longitude"),
        "lat": location.get("latitude"),
        "name": f"sensor.community {item['sensor']['id']}",
        "kind": str(kind or SENSOR_COMMUNITY),
    }


def _sensor_community_station(item: dict[str, Any]) -> str:
    sensor = item.get("sensor")
    if not isinstance(sensor, dict) or sensor.get("id") in (None, ""):
        raise MalformedPayload("not a sensor.community record: no sensor.id")
    return f"sc-{sensor['id']}"


FORMATS: dict[str, Adapter] = {GEOOPS: geoops_rows, SENSOR_COMMUNITY: sensor_community_rows}


def detect_format(item: Any) -> str:
    return SENSOR_COMMUNITY if isinstance(item, dict) and "sensordatavalues" in item else GEOOPS


def rows_from_document(doc: Any, *, station_id: str | None = None, fmt: str | None = None) -> Parsed:
    """The rows of a decoded document (one item or a list of items); ``fmt`` names an
    adapter of FORMATS, or None to tell each item's shape by its keys."""
    parsed = Parsed()
    for index, item in enumerate(doc if isinstance(doc, list) else [doc], 1):
        try:
            rows = FORMATS[fmt or detect_format(item)](item, station_id)
        except MalformedPayload as exc:
            parsed.errors.append(RowError(index, str(exc)))
            continue
        parsed.rows += rows
        parsed.lines += [index] * len(rows)
    return parsed


@dataclass
class MessageBatch:
    """The rows of a batch of MQTT messages; a row's line is its message's place in ``topics``."""

    rows: list[Row] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (topic, reason)

    def extend(self, other: MessageBatch) -> None:
        self.rows += other.rows
        self.lines += [line + len(self.topics) for line in other.lines]
        self.topics += other.topics

    def halves(self) -> tuple[MessageBatch, MessageBatch]:
        middle = len(self.rows) // 2
        first = MessageBatch(self.rows[:middle], self.lines[:middle], self.topics)
        return first, MessageBatch(self.rows[middle:], self.lines[middle:], self.topics)


def parse_messages(messages: Sequence[tuple[str, bytes]]) -> MessageBatch:
    """``(topic, payload)`` pairs from ``geoops/stations/{station_id}/observations`` into rows;
    whatever is not an observation is listed in ``malformed`` with its reason."""
    batch = MessageBatch()
    for index, (topic, payload) in enumerate(messages, 1):
        batch.topics.append(topic)
        try:
            parsed = parse_mqtt_payload(payload, station_of(topic))
        except Exception as exc:  # MalformedPayload, or anything odd: one message, never the batch
            batch.malformed.append((topic, str(exc)))
            continue
        batch.malformed += [(topic, f"item {e.line}: {e.reason}") for e in parsed.errors]
        batch.rows += parsed.rows
        batch.lines += [index] * len(parsed.rows)
    return batch


def station_of(topic: str) -> str:
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["geoops", "stations"] or parts[3] != "observations" or not parts[2]:
        raise MalformedPayload(f"topic {topic!r} is not geoops/stations/<station_id>/observations")
    return parts[2]


def parse_mqtt_payload(payload: bytes, station_id: str) -> Parsed:
    """The observations of one MQTT message on ``geoops/stations/{station_id}/observations``:
    an object or a list of objects. MalformedPayload when it is not JSON at all."""
    return rows_from_document(decode_json(payload), station_id=station_id)
