"""Live observations over MQTT: subscribe, batch, store; reconnect; count what is wrong.

Client: aiomqtt (over paho-mqtt 2) rather than bare paho, because it runs on the asyncio
loop itself (no network thread to bridge into the loop), its context manager owns one
connection, and a lost connection surfaces as one exception (MqttError), exactly where
the reconnect-with-backoff loop sits.

Messages on ``geoops/stations/{station_id}/observations`` are collected for up to
``batch_seconds`` or ``batch_size`` messages, then parsed and stored in one transaction
in a worker thread. A batch the database cannot take (it is down) is kept and retried;
a batch it refuses is split until the refused reading is found and logged. Malformed
payloads are logged with their topic and counted; nothing stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import aiomqtt
import sqlalchemy as sa

from geoops.domain import IngestSummary
from geoops.errors import DatabaseUnavailable
from geoops.ingest.sensor_formats import MessageBatch, Row, parse_messages
from geoops.mqtt_url import parse_mqtt_url

log = logging.getLogger(__name__)
TOPIC = "geoops/stations/+/observations"
# A shared subscription: several geoops processes split the messages instead of each
# storing every one.
SUBSCRIPTION = f"$share/geoops/{TOPIC}"
StoreBatch = Callable[[list[Row], list[int]], IngestSummary]  # runs in a worker thread
LOGGED_PER_BATCH = 10  # bad messages logged one by one per batch; the rest are summed up
FINAL_STORE_S = 10.0  # on stop, how long to try storing what was received


@dataclass(frozen=True)
class MqttConfig:
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    # A fixed client id asks the broker for a persistent session: QoS 1 messages sent while
    # geoops is away wait for it. None: a random id and a clean session.
    client_id: str | None = None
    batch_size: int = 2000
    batch_seconds: float = 0.2
    min_backoff: float = 0.5
    max_backoff: float = 30.0
    max_pending: int = 500_000  # beyond this, stop reading until the database catches up
    subscription: str = SUBSCRIPTION

    @classmethod
    def from_url(cls, url: str, **options: Any) -> MqttConfig:
        """``mqtt://[user:password@]host[:port]``; ``ConfigurationError`` if it is not one."""
        address = parse_mqtt_url(url)
        return cls(address.host, address.port, address.username, address.password, **options)


@dataclass
class FeedStatus:
    configured: bool = True
    connected: bool = False
    received: int = 0  # messages
    stored: int = 0  # observations inserted
    duplicates: int = 0
    rejected: int = 0  # readings refused (unknown station, bad value, ...)
    malformed: int = 0  # messages that are not observations at all
    pending: int = 0  # messages received and not yet stored
    connects: int = 0
    last_error: str | None = None
    last_stored_at: float | None = None  # unix time

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MqttFeed:
    def __init__(self, config: MqttConfig, store: StoreBatch) -> None:
        self.config, self._store_batch = config, store
        self._status = FeedStatus()
        self._pending: list[tuple[str, bytes]] = []
        self._full = asyncio.Event()
        self._room = asyncio.Event()
        self._storing: MessageBatch | None = None  # the batch a worker thread is storing

    def status(self) -> FeedStatus:
        return replace(self._status, pending=len(self._pending))

    async def run(self) -> None:
        """Receive and store until cancelled; then store what was received and not yet stored."""
        try:
            await asyncio.gather(self._receive_forever(), self._flush_forever())
        finally:
            await self._store_remaining()

    async def _store_remaining(self) -> None:
        """On stop: the batch being stored (again: storing is idempotent) and the waiting
        messages, for at most FINAL_STORE_S; what cannot be stored is logged as an error."""
        batch, self._storing = self._storing or MessageBatch(), None
        messages, self._pending = self._pending, []
        if not batch.rows and not messages:
            return
        try:
            async with asyncio.timeout(FINAL_STORE_S):
                batch.extend(await asyncio.to_thread(self._parse, messages))
                if batch.rows:
                    self._count(await asyncio.to_thread(self._store_batch, batch.rows, batch.lines), batch)
        except Exception:
            log.exception("MQTT: stopping with %d readings received and not stored", len(batch.rows))

    async def _receive_forever(self) -> None:
        delay = self.config.min_backoff
        while True:
            try:
                async with self._client() as client:
                    await client.subscribe(self.config.subscription, qos=1)
                    self._status.connected, self._status.connects = True, self._status.connects + 1
                    log.info("MQTT: subscribed to %s on %s:%d", TOPIC, self.config.host, self.config.port)
                    delay = self.config.min_backoff
                    async for message in client.messages:
                        await self._accept(str(message.topic), message.payload)
            except (aiomqtt.MqttError, OSError) as exc:
                self._status.last_error = f"MQTT: {exc}"
                log.warning(
                    "MQTT broker %s:%d: %s; retrying in %.1fs", self.config.host, self.config.port, exc, delay
                )
            finally:
                self._status.connected = False
            await asyncio.sleep(delay * random.uniform(1.0, 1.2))
            delay = min(delay * 2, self.config.max_backoff)

    def _client(self) -> aiomqtt.Client:
        c = self.config
        return aiomqtt.Client(
            c.host, c.port, username=c.username, password=c.password, identifier=c.client_id,
            clean_session=c.client_id is None, timeout=10, keepalive=30,
        )  # fmt: skip

    async def _accept(self, topic: str, payload: Any) -> None:
        if len(self._pending) >= self.config.max_pending:
            log.warning("MQTT: %d messages wait for the database; pausing reads", len(self._pending))
            self._room.clear()
            await self._room.wait()
        data = payload if isinstance(payload, bytes) else str(payload or "").encode()
        self._pending.append((topic, data))
        self._status.received += 1
        if len(self._pending) >= self.config.batch_size:
            self._full.set()

    async def _flush_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.config.batch_seconds)
            self._full.clear()
            if not self._pending:
                continue
            size = self.config.batch_size
            messages = self._pending[:size]
            batch = await asyncio.to_thread(self._parse, messages)
            del self._pending[: len(messages)]  # only now: a stop while parsing loses nothing
            if batch.rows:
                await self._store(batch)
            if len(self._pending) >= size:
                self._full.set()
            if len(self._pending) < self.config.max_pending:
                self._room.set()

    def _parse(self, messages: list[tuple[str, bytes]]) -> MessageBatch:
        batch = parse_messages(messages)
        self._status.malformed += len(batch.malformed)
        for topic, reason in batch.malformed[:LOGGED_PER_BATCH]:
            log.warning("MQTT: malformed payload on %s: %s", topic, reason[:200])
        if len(batch.malformed) > LOGGED_PER_BATCH:
            log.warning(
                "MQTT: %d more malformed payloads in this batch", len(batch.malformed) - LOGGED_PER_BATCH
            )
        return batch

    async def _store(self, batch: MessageBatch) -> None:
        self._storing = batch
        await self._store_parts(batch)
        self._storing = None

    async def _store_parts(self, batch: MessageBatch) -> None:
        delay = self.config.min_backoff
        while True:
            try:
                summary = await asyncio.to_thread(self._store_batch, batch.rows, batch.lines)
                break
            except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable) as exc:
                self._status.last_error = f"database: {str(exc).splitlines()[0]}"
                log.warning(
                    "MQTT: database unavailable, keeping %d readings; retry in %.1fs", len(batch.rows), delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_backoff)
            except Exception:  # the database refuses the batch: find the reading by halving
                if len(batch.rows) > 1:
                    for half in batch.halves():
                        await self._store_parts(half)
                    return
                self._status.rejected += 1
                log.exception(
                    "MQTT: reading from %s refused: %r", batch.topics[batch.lines[0] - 1], batch.rows[0]
                )
                return
        self._count(summary, batch)

    def _count(self, summary: IngestSummary, batch: MessageBatch) -> None:
        status = self._status
        status.stored += summary.inserted
        status.duplicates += summary.duplicates
        status.rejected += summary.rejected
        status.last_stored_at = time.time()
        for error in summary.errors[:LOGGED_PER_BATCH]:
            log.warning("MQTT: reading on %s rejected: %s", batch.topics[error.line - 1], error.reason)
