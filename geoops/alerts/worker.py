"""The alerting loops a process runs: the matcher (events -> alerts), the dispatcher
(deliveries -> channels) and the checks (escalation, alerting health). ``geoops serve``
runs them beside the API; ``geoops alerts run`` runs them alone, as many as wanted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

from geoops.alerts.channels.registry import close_channels, open_channels
from geoops.alerts.dispatcher import BATCH, Dispatcher
from geoops.alerts.escalation import escalate_overdue
from geoops.alerts.matcher import MatchConfig, match_events
from geoops.alerts.watchdog import alerting_health, tell_admins
from geoops.settings import Settings
from geoops.store.alert_records import DELIVERIES_CHANNEL
from geoops.store.engine import transaction
from geoops.store.events import CHANNEL
from geoops.store.listener import PgListener

log = logging.getLogger(__name__)
MATCH_POLL_SECONDS = 2.0
DISPATCH_POLL_SECONDS = 1.0  # retries come due without a NOTIFY
CHECK_SECONDS = 15.0


def match_all(engine: Engine, config: MatchConfig) -> int:
    """Match until the outbox is read; the number of alerts stored."""
    stored = 0
    while True:
        with transaction(engine) as session:
            result = match_events(config, session=session)
        stored += len(result.alerts)
        if not result.more:
            return stored


def check_once(engine: Engine, config: MatchConfig, settings: Settings) -> None:
    with transaction(engine) as session:
        escalated = escalate_overdue(config, settings.alert_escalate_minutes, session=session)
    with transaction(engine) as session:
        told = tell_admins(alerting_health(settings, session=session), session=session)
    if escalated or told:
        log.info("alert checks: %d escalations, %d health alerts", len(escalated), len(told))


async def _every(
    work: Callable[[], Awaitable[bool]], wake: asyncio.Event | None, seconds: float, name: str
) -> None:
    """Run ``work`` on each wake-up (and every ``seconds``); again at once while it says
    there is more. An error is logged and the loop goes on."""
    while True:
        if wake is not None:
            wake.clear()
        more = False
        try:
            more = await work()
        except Exception:
            log.exception("%s failed; retrying", name)
        if more:
            continue
        if wake is None:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), seconds)


async def run_alerting(engine: Engine, settings: Settings, listener: PgListener) -> None:
    """All three loops until cancelled."""
    config = MatchConfig.from_settings(settings)
    channels = open_channels(settings)
    dispatcher = Dispatcher(engine, settings, channels)

    async def match() -> bool:
        await asyncio.to_thread(match_all, engine, config)
        return False

    async def dispatch() -> bool:
        return await dispatcher.run_once() >= BATCH

    async def check() -> bool:
        await asyncio.to_thread(check_once, engine, config, settings)
        return False

    with listener.subscribe(CHANNEL) as events, listener.subscribe(DELIVERIES_CHANNEL) as due:
        try:
            await asyncio.gather(
                _every(match, events, MATCH_POLL_SECONDS, "alert matcher"),
                _every(dispatch, due, DISPATCH_POLL_SECONDS, "alert dispatcher"),
                _every(check, None, CHECK_SECONDS, "alert checks"),
            )
        finally:
            await close_channels(channels)
