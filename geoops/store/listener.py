"""LISTEN/NOTIFY fan-out: one connection per process wakes any number of local waiters.

A notification only says "look again": waiters re-read the tables, so a notification
lost while the connection is down costs latency (the waiters' timeout), never data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


class PgListener:
    def __init__(self, conninfo: str, channels: list[str]) -> None:
        self._conninfo = conninfo
        self._channels = channels
        self._waiters: dict[str, set[asyncio.Event]] = {c: set() for c in channels}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="geoops-pg-listener")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.contextmanager
    def subscribe(self, channel: str) -> Iterator[asyncio.Event]:
        """An event set whenever ``channel`` is notified, for as long as the block runs."""
        event = asyncio.Event()
        self._waiters[channel].add(event)
        try:
            yield event
        finally:
            self._waiters[channel].discard(event)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    for channel in self._channels:
                        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    backoff = 0.5
                    self._wake_all()  # anything missed while disconnected
                    async for note in conn.notifies():
                        for event in self._waiters.get(note.channel, ()):
                            event.set()
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def _wake_all(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()
