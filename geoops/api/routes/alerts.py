"""Alerts for the caller: list, live stream, one alert with its receipts, CAP 1.2, the
Atom feed, and acknowledgement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from geoops.access.principal import Principal, Role
from geoops.alerts.atom import ATOM_MEDIA_TYPE, atom_feed
from geoops.alerts.cap import CAP_MEDIA_TYPE, cap_xml
from geoops.alerts.live import AlertHub, Page, alert_json, alert_message, frame
from geoops.api.deps import (
    MAX_BIGINT,
    EngineDep,
    SessionDep,
    SettingsDep,
    UserDep,
    event_stream,
    resume_after,
)
from geoops.domain import EventKind
from geoops.errors import NotFound
from geoops.store.alert_reads import Reader, alert_for, alerts_for, receipts, sent_at
from geoops.store.alert_records import acknowledge
from geoops.store.engine import transaction
from geoops.store.events import append_event

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
AlertId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
KEEPALIVE_SECONDS = 15.0
BACKLOG = 500


def reader_of(user: Principal) -> Reader:
    return Reader(user.user_id, list(user.jurisdiction_ids), everything=user.role is Role.ADMIN)


@router.get("", summary="Alerts addressed to the caller, newest first")
def list_alerts(
    session: SessionDep,
    user: UserDep,
    after: Annotated[int, Query(ge=0, description="Only alerts with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    unacked: Annotated[bool, Query(description="Only those not acknowledged yet")] = False,
) -> dict[str, Any]:
    rows = alerts_for(reader_of(user), session=session, after=after, limit=limit, unacked=unacked)
    return {"alerts": [alert_json(r) for r in rows]}


async def _stream(page: Page, backlog: list[Any]) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    last = 0
    for row in backlog:
        last = int(row["id"])
        yield frame(row).text
    while True:  # Starlette cancels the stream when the client goes away
        try:
            async with asyncio.timeout(KEEPALIVE_SECONDS):
                item = await page.queue.get()
        except TimeoutError:
            yield ": keepalive\n\n"
            continue
        if item is None:  # the page fell behind: end, the browser reconnects with Last-Event-ID
            return
        if item.alert_id > last:
            last = item.alert_id
            yield item.text


@router.get(
    "/stream",
    summary="Live alerts for the caller (text/event-stream)",
    description="Each new alert addressed to the caller as an `alert` event whose data is the "
    "alert JSON; after `Last-Event-ID` (or `after`) the missed ones come first.",
    response_class=StreamingResponse,
)
async def stream_alerts(
    request: Request,
    engine: EngineDep,
    user: UserDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_BIGINT)] = None,
) -> StreamingResponse:
    after = resume_after(after, last_event_id, what="an alert id")
    hub: AlertHub = request.app.state.alert_hub
    reader = reader_of(user)
    page = hub.add(reader)  # before the backlog read: nothing falls between the two
    try:
        backlog = [] if after is None else await run_in_threadpool(_backlog, engine, reader, after)
    except BaseException:
        hub.release(page)
        raise
    return event_stream(_owned(hub, page, _stream(page, backlog)))


async def _owned(hub: AlertHub, page: Page, frames: AsyncIterator[str]) -> AsyncIterator[str]:
    try:
        async for text in frames:
            yield text
    finally:
        hub.release(page)


def _backlog(engine: Any, reader: Reader, after: int) -> list[Any]:
    with transaction(engine) as session:
        return alerts_for(reader, session=session, after=after, limit=BACKLOG, newest_first=False)


@router.get("/feed.atom", summary="Atom feed of the caller's latest alerts, each linked to its CAP 1.2 XML")
def feed(session: SessionDep, user: UserDep, settings: SettingsDep) -> Response:
    rows = alerts_for(reader_of(user), session=session, limit=100)
    base = settings.public_url.rstrip("/")
    body = atom_feed(
        [alert_message(r) for r in rows],
        feed_url=f"{base}/api/v1/alerts/feed.atom",
        cap_url=lambda i: f"{base}/api/v1/alerts/{i}.cap",
        title="geoops alerts",
        updated=rows[0]["created_at"] if rows else datetime.now(UTC),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


def _visible(alert_id: int, user: Principal, session: Any) -> Any:
    row = alert_for(alert_id, reader_of(user), session=session)
    if row is None:
        raise NotFound(f"no alert {alert_id} addressed to you")
    return row


@router.get("/{alert_id}.cap", summary="One alert as CAP 1.2 XML (OASIS schema-valid)")
def alert_cap(session: SessionDep, user: UserDep, settings: SettingsDep, alert_id: AlertId) -> Response:
    row = _visible(alert_id, user, session)
    message = alert_message(row)
    previous = (
        None if message.previous_alert_id is None else sent_at(message.previous_alert_id, session=session)
    )
    body = cap_xml(message, sender=settings.cap_sender, previous_sent=previous)
    return Response(body, media_type=CAP_MEDIA_TYPE)


@router.get("/{alert_id}", summary="One alert with its delivery receipts")
def get_alert(session: SessionDep, user: UserDep, alert_id: AlertId) -> dict[str, Any]:
    row = _visible(alert_id, user, session)
    return {**alert_json(row), "deliveries": receipts(alert_id, session=session)}


@router.post("/{alert_id}/ack", summary="Acknowledge an alert addressed to you (crews, dispatchers)")
def ack_alert(session: SessionDep, user: UserDep, alert_id: AlertId) -> dict[str, Any]:
    row = _visible(alert_id, user, session)
    user.require(Role.DISPATCHER, Role.CREW)
    first = row["acked_at"] is None
    acked_at = acknowledge(alert_id, user.name, session=session)
    incident_id = row["message"].get("incident_id")
    if first and incident_id is not None:
        append_event(
            EventKind.ALERT_ACKNOWLEDGED,
            {
                "incident_id": incident_id,
                "alert_id": alert_id,
                "by": user.name,
                "level": row["level"],
                "seconds": round((acked_at - row["created_at"]).total_seconds(), 1),
            },
            session=session,
        )
    return {"id": alert_id, "acked_at": acked_at.isoformat(), "acked_by": row["acked_by"] or user.name}
