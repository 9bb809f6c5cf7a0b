"""The live channel: one reader per process fans new alerts out to every open page.

Each process runs one ``AlertHub``. On a NOTIFY (or every few seconds) it reads the
alerts committed since its cursor once, renders each as one Server-Sent Events frame,
and puts the frame on the queue of every open stream whose user the alert is addressed
to: a thousand pages cost one query and one JSON encoding per alert, not a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.alerts.message import AlertMessage, alert_payload, message_from_record
from geoops.store.alert_reads import Reader, committed_alerts_after, latest_alert_id
from geoops.store.alert_records import ALERTS_CHANNEL
from geoops.store.engine import transaction
from geoops.store.listener import PgListener

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0  # read again even without a NOTIFY: a lost one only delays
QUEUE_LIMIT = 1000  # frames waiting for one slow page; beyond, it is dropped and reconnects


@dataclass(frozen=True)
class Frame:
    alert_id: int
    text: str


def alert_message(row: Mapping[str, Any]) -> AlertMessage:
    """An alert row (``alert_reads.ALERT_COLUMNS``) as the message channels render."""
    return message_from_record(row["id"], row["created_at"], row["message"], row["acked_at"])


def alert_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """An alert row as the API and the live stream show it."""
    return {**alert_payload(alert_message(row)), "acked_by": row["acked_by"]}


def frame(row: Mapping[str, Any]) -> Frame:
    data = json.dumps(alert_json(row), ensure_ascii=False)
    return Frame(int(row["id"]), f"id: {row['id']}\nevent: alert\ndata: {data}\n\n")


def addressed(row: Mapping[str, Any], reader: Reader) -> bool:
    return (
        reader.everything
        or row["jurisdiction_id"] in reader.jurisdiction_ids
        or (row["user_id"] is not None and row["user_id"] == reader.user_id)
    )


@dataclass(eq=False)
class Page:
    reader: Reader
    queue: asyncio.Queue[Frame | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))


class AlertHub:
    def __init__(self, engine: Engine, listener: PgListener) -> None:
        self._engine = engine
        self._listener = listener
        self._pages: set[Page] = set()
        self._task: asyncio.Task[None] | None = None
        self.cursor = 0

    async def start(self) -> None:
        self.cursor = await asyncio.to_thread(self._latest)
        self._task = asyncio.create_task(self._run(), name="geoops-alert-hub")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def add(self, reader: Reader) -> Page:
        """A page that receives every alert addressed to ``reader`` from now on, until
        ``release``."""
        page = Page(reader)
        self._pages.add(page)
        return page

    def release(self, page: Page) -> None:
        self._pages.discard(page)

    @property
    def pages(self) -> int:
        return len(self._pages)

    async def _run(self) -> None:
        with self._listener.subscribe(ALERTS_CHANNEL) as wake:
            while True:
                wake.clear()
                try:
                    rows = await asyncio.to_thread(self._read, self.cursor)
                    if rows:
                        self.cursor = int(rows[-1]["id"])
                        pushed = self._fan_out(rows)
                        if pushed:
                            await asyncio.to_thread(self._mark_live, pushed)
                        continue
                except Exception:  # the database may be away; the next round retries
                    log.exception("live alert fan-out failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_SECONDS)

    def _fan_out(self, rows: list[Any]) -> list[int]:
        """Queue each alert to the pages it is addressed to; the ids that reached one."""
        pushed: list[int] = []
        for row in rows:
            rendered: Frame | None = None
            for page in list(self._pages):
                if not addressed(row, page.reader):
                    continue
                rendered = rendered or frame(row)
                try:
                    page.queue.put_nowait(rendered)
                except asyncio.QueueFull:  # a page that stopped reading: end it, it reconnects
                    self._pages.discard(page)
                    with contextlib.suppress(asyncio.QueueEmpty):
                        page.queue.get_nowait()
                    page.queue.put_nowait(None)
            if rendered is not None:
                pushed.append(rendered.alert_id)
        return pushed

    def _read(self, after: int) -> list[Any]:
        with transaction(self._engine) as session:
            return committed_alerts_after(after, session=session)

    def _latest(self) -> int:
        with transaction(self._engine) as session:
            return latest_alert_id(session=session)

    def _mark_live(self, ids: list[int]) -> None:
        with transaction(self._engine) as session:
            session.execute(
                sa.text(
                    "UPDATE alerts SET live_delivered_at = now() WHERE id = ANY(:ids) AND live_delivered_at IS NULL"
                ),
                {"ids": ids},
            )
