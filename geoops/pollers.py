"""Background workers that bring FIRMS data in: source polling and the inbox folder.

Each ingest commits with a NOTIFY, which wakes the detector worker; blocking work runs
in threads (``asyncio.to_thread``) so the API stays responsive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from geoops.background import Stop, run_in_background
from geoops.ingest.firms_poll import FirmsSource, configured_sources, poll_source, register_sources
from geoops.ingest.inbox import Inbox
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.store.sources import next_attempt_in

log = logging.getLogger(__name__)
MIN_WAIT_S = 0.5  # between two rounds, however soon the next source is due


def ingest_workers(settings: Settings) -> tuple[Callable[[FastAPI], Awaitable[Stop]], ...]:
    """The pollers that the settings ask for: FIRMS sources when configured, the inbox when set."""
    workers = (firms_poller(settings),) if settings.firms_sources else ()
    return workers + ((inbox_watcher(settings),) if settings.inbox is not None else ())


def firms_poller(settings: Settings) -> Callable[[FastAPI], Awaitable[Stop]]:
    """A worker polling every source of ``GEOOPS_FIRMS_SOURCES`` each ``firms_poll_seconds``
    (conditional GET, backoff on failure). Configuration errors surface at startup."""
    sources = configured_sources(settings.firms_sources)

    async def start(app: FastAPI) -> Stop:
        return run_in_background(
            _poll_forever(app.state.engine, sources, settings.firms_poll_seconds), "firms-poller"
        )

    return start


def inbox_watcher(settings: Settings) -> Callable[[FastAPI], Awaitable[Stop]]:
    """A worker ingesting FIRMS CSV files dropped into ``GEOOPS_INBOX``."""
    if settings.inbox is None:
        raise ValueError("inbox_watcher needs GEOOPS_INBOX")
    inbox = Inbox(settings.inbox)

    async def start(app: FastAPI) -> Stop:
        return run_in_background(
            _watch_forever(app.state.engine, inbox, settings.inbox_poll_seconds), "inbox-watcher"
        )

    return start


async def _poll_forever(engine: Engine, sources: list[FirmsSource], interval_s: float) -> None:
    names = [s.name for s in sources]
    registered = False
    while True:
        wait = interval_s
        try:
            if not registered:
                await asyncio.to_thread(register_sources, sources, engine=engine)
                registered = True
            await asyncio.gather(
                *(asyncio.to_thread(poll_source, s, engine=engine, interval_s=interval_s) for s in sources)
            )
            due_in = await asyncio.to_thread(_seconds_to_next, engine, names)
            wait = interval_s if due_in is None else min(due_in, interval_s)
        except Exception:  # e.g. the database is down: log, wait, try again
            log.exception("FIRMS polling round failed")
        await asyncio.sleep(max(wait, MIN_WAIT_S))


def _seconds_to_next(engine: Engine, names: list[str]) -> float | None:
    with transaction(engine) as session:
        return next_attempt_in(names, session=session)


async def _watch_forever(engine: Engine, inbox: Inbox, interval_s: float) -> None:
    registered = False
    while True:
        try:
            if not registered:
                await asyncio.to_thread(inbox.register, engine=engine)
                registered = True
            await asyncio.to_thread(inbox.scan, engine=engine)
        except Exception:  # e.g. the database is down: files stay put for the next scan
            log.exception("inbox scan failed")
        await asyncio.sleep(interval_s)
