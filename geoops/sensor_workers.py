"""Sensor workers for ``geoops serve``: the MQTT subscriber and the stale-station checker.

This module (an entry point, like pollers.py) joins two stages: ingest stores a batch of
observations, detect fires the anomaly rules on it, in the same transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geoops.background import Stop, run_in_background
from geoops.detect.sensor_rules import SensorRules, check_stored_batch, mark_stale_stations
from geoops.domain import IngestSummary
from geoops.errors import ConfigurationError
from geoops.ingest.mqtt_feed import MqttConfig, MqttFeed, StoreBatch
from geoops.ingest.sensor_formats import Row
from geoops.ingest.sensors import ingest_observations
from geoops.settings import Settings
from geoops.store.engine import transaction

log = logging.getLogger(__name__)
Worker = Callable[[FastAPI], Awaitable[Stop]]
STALE_CHECK_MAX_S = 60.0


def sensor_rules(settings: Settings) -> SensorRules:
    """The anomaly rules: the defaults, with the kinds given in ``GEOOPS_SENSOR_RULES`` replaced."""
    try:
        return SensorRules.from_config(settings.sensor_rules) if settings.sensor_rules else SensorRules()
    except ValueError as exc:
        raise ConfigurationError(f"GEOOPS_SENSOR_RULES: {exc}") from None


def sensor_workers(settings: Settings) -> tuple[Worker, ...]:
    """The stale-station checker, and the MQTT subscriber when ``GEOOPS_MQTT_URL`` is set.
    Bad rules or a bad broker URL stop the server at startup."""
    sensor_rules(settings)
    subscriber = (mqtt_subscriber(settings),) if settings.mqtt_url else ()
    return (stale_station_checker(settings), *subscriber)


def store_observation_batch(engine: Engine, rules: SensorRules, source: str = "mqtt") -> StoreBatch:
    """Store rows and fire the rules on them, in one transaction (blocking: run it in a thread)."""

    def store(rows: list[Row], lines: list[int]) -> IngestSummary:
        with transaction(engine) as session:
            return ingest_and_check(rows, lines, rules, source=source, session=session)

    return store


def ingest_and_check(
    rows: Sequence[Row], lines: Sequence[int] | None, rules: SensorRules, *, source: str, session: Session
) -> IngestSummary:
    summary = ingest_observations(rows, session=session, lines=lines, source=source)
    if summary.inserted:
        check_stored_batch(rules, session=session)
    return summary


def mqtt_subscriber(settings: Settings) -> Worker:
    """A worker subscribed to ``geoops/stations/+/observations`` on ``GEOOPS_MQTT_URL``; its
    counters are ``app.state.mqtt_feed.status()`` (and ``GET /api/v1/sensors/status``)."""
    if not settings.mqtt_url:
        raise ValueError("mqtt_subscriber needs GEOOPS_MQTT_URL")
    config = MqttConfig.from_url(
        settings.mqtt_url,
        client_id=settings.mqtt_client_id,
        batch_size=settings.mqtt_batch_size,
        batch_seconds=settings.mqtt_batch_ms / 1000,
    )
    rules = sensor_rules(settings)

    async def start(app: FastAPI) -> Stop:
        feed = MqttFeed(config, store_observation_batch(app.state.engine, rules))
        app.state.mqtt_feed = feed
        return run_in_background(feed.run(), "mqtt-subscriber")

    return start


def stale_station_checker(settings: Settings) -> Worker:
    """A worker flagging stations silent for ``GEOOPS_STATION_STALE_MINUTES`` as stale."""
    after = timedelta(minutes=settings.station_stale_minutes)
    every = min(STALE_CHECK_MAX_S, after.total_seconds() / 4)

    async def start(app: FastAPI) -> Stop:
        return run_in_background(_check_stale_forever(app.state.engine, after, every), "stale-stations")

    return start


async def _check_stale_forever(engine: Engine, after: timedelta, every_s: float) -> None:
    while True:
        try:
            stale = await asyncio.to_thread(_mark_stale, engine, after)
            if stale:
                log.info("stations now stale (no reading for %s): %s", after, ", ".join(stale[:20]))
        except Exception:  # e.g. the database is down: try again next round
            log.exception("stale-station check failed")
        await asyncio.sleep(every_s)


def _mark_stale(engine: Engine, after: timedelta) -> list[str]:
    with transaction(engine) as session:
        return mark_stale_stations(after, session=session)
