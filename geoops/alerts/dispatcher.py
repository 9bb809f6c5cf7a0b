"""The dispatcher: claims due deliveries, sends them on their channels concurrently,
records each outcome. At least once: the claim commits before sending and the outcome
after, so a crash in between leaves a lease that expires and the delivery is sent again
with the same idempotency key (a repeat the receiver can drop, never a loss)."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from sqlalchemy import Engine

from geoops.alerts.channels.base import Channel, Delivery, DeliveryFailed
from geoops.alerts.message import message_from_record
from geoops.settings import Settings
from geoops.store.delivery_queue import Claimed, claim_deliveries, mark_delivered, mark_failed
from geoops.store.engine import transaction

log = logging.getLogger(__name__)
BATCH = 100


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    max_seconds: float
    max_attempts: int

    def delay(self, attempt: int, failure: DeliveryFailed) -> float | None:
        """Seconds until the next attempt (exponential, +-50 % jitter), None to give up."""
        if not failure.retryable or attempt >= self.max_attempts:
            return None
        delay: float = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return delay * random.uniform(0.5, 1.5)

    @classmethod
    def from_settings(cls, settings: Settings) -> Backoff:
        return cls(
            settings.delivery_backoff_seconds,
            settings.delivery_backoff_max_seconds,
            settings.delivery_max_attempts,
        )


class Dispatcher:
    def __init__(self, engine: Engine, settings: Settings, channels: dict[str, Channel]) -> None:
        self._engine = engine
        self._channels = channels
        self._lease = settings.delivery_lease_seconds
        self._backoff = Backoff.from_settings(settings)

    async def run_once(self) -> int:
        """One round: claim, send, record. The number of deliveries handled."""
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send(c) for c in claimed))
        await asyncio.to_thread(self._record, claimed, outcomes)
        return len(claimed)

    def _claim(self) -> list[Claimed]:
        with transaction(self._engine) as session:
            return claim_deliveries(BATCH, self._lease, session=session)

    async def _send(self, claimed: Claimed) -> DeliveryFailed | None:
        """None when the target took it, else why not."""
        channel = self._channels.get(claimed.channel)
        if channel is None:
            return DeliveryFailed(f"channel {claimed.channel!r} is not running", retryable=True)
        message = message_from_record(
            claimed.alert_id, claimed.alert_created_at, claimed.message, claimed.acked_at
        )
        delivery = Delivery(
            claimed.id,
            claimed.channel,
            claimed.target,
            claimed.secret,
            claimed.idempotency_key,
            claimed.attempt,
            message,
        )
        try:
            await channel.send(delivery)
        except DeliveryFailed as failure:
            return failure
        except Exception as exc:  # a channel bug must not stop the round; retried
            log.exception("channel %s failed unexpectedly", claimed.channel)
            return DeliveryFailed(f"{type(exc).__name__}: {exc}")
        return None

    def _record(self, claimed: list[Claimed], outcomes: list[DeliveryFailed | None]) -> None:
        failures: list[tuple[int, str, float | None]] = []
        for c, failure in zip(claimed, outcomes, strict=True):
            if failure is None:
                continue
            delay = self._backoff.delay(c.attempt, failure)
            failures.append((c.id, failure.reason, delay))
            verdict = "dead-lettered" if delay is None else f"retry in {delay:.0f}s"
            log.warning(
                "delivery %d (%s to %s, attempt %d) failed: %s; %s",
                c.id,
                c.channel,
                c.target,
                c.attempt,
                failure.reason,
                verdict,
            )
        with transaction(self._engine) as session:
            mark_delivered(
                [c.id for c, failure in zip(claimed, outcomes, strict=True) if failure is None],
                session=session,
            )
            mark_failed(failures, session=session)
