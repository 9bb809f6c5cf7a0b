"""Server-Sent Events of everything that changes, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from geoops.api.deps import MAX_BIGINT, EngineDep, UserDep, event_stream, resume_after
from geoops.domain import Event
from geoops.store.engine import sessions
from geoops.store.events import CHANNEL, events_after, last_event_id
from geoops.store.listener import PgListener
from geoops.store.scope import Scope

router = APIRouter(prefix="/api/v1/events", tags=["events"])
POLL_SECONDS = 5.0  # re-read even without a NOTIFY, so a lost notification only delays
KEEPALIVE_SECONDS = 15.0


def _read(engine: Engine, after: int, scope: Scope) -> tuple[list[Event], int]:
    with sessions(engine)() as session:
        return events_after(after, session=session, scope=scope)


def _latest(engine: Engine) -> int:
    with sessions(engine)() as session:
        return last_event_id(session=session)


def _frame(event: Event) -> str:
    data = json.dumps({"id": event.id, "kind": event.kind, "created_at": event.created_at, **event.payload})
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


async def _stream(request: Request, engine: Engine, cursor: int, scope: Scope) -> AsyncIterator[str]:
    listener: PgListener = request.app.state.listener
    yield "retry: 3000\n\n"
    idle = 0.0
    with listener.subscribe(CHANNEL) as wake:
        while not await request.is_disconnected():
            wake.clear()  # before reading: a NOTIFY during the read wakes the next wait
            batch, scanned_to = await run_in_threadpool(_read, engine, cursor, scope)
            for event in batch:
                yield _frame(event)
            moved, cursor = scanned_to > cursor, scanned_to
            if moved:
                idle = 0.0
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
            idle = 0.0 if wake.is_set() else idle + POLL_SECONDS
            if idle >= KEEPALIVE_SECONDS:
                idle = 0.0
                yield ": keepalive\n\n"


@router.get(
    "",
    summary="Live stream of events (text/event-stream)",
    description="Sends events newer than `Last-Event-ID` (or `after`); with neither, only "
    "events from now on. Each event's `data` is JSON with `id`, `kind` and the payload.",
    response_class=StreamingResponse,
)
async def stream_events(
    request: Request,
    engine: EngineDep,
    user: UserDep,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_BIGINT, description="Resume after this event id")] = None,
) -> StreamingResponse:
    after = resume_after(after, last_event_id_header)
    cursor = after if after is not None else await run_in_threadpool(_latest, engine)
    return event_stream(_stream(request, engine, cursor, user.scope))
