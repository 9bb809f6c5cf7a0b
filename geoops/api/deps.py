"""Small named dependencies: the session, the settings, common query parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geoops.access.accounts import authenticate
from geoops.access.principal import Principal, Role
from geoops.errors import InvalidInput, Unauthorized
from geoops.settings import Settings
from geoops.store.engine import sessions


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with sessions(engine).begin() as session:
        yield session


def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(description="minLon,minLat,maxLon,maxLat (EPSG:4326)", examples=["100,50,140,70"]),
    ] = None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise InvalidInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat") from exc
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidInput(
            "bbox must satisfy -180 <= minLon <= maxLon <= 180 and -90 <= minLat <= maxLat <= 90"
        )
    return (x0, y0, x1, y1)


MAX_BIGINT = 2**63 - 1


def resume_after(after: int | None, last_event_id: str | None, *, what: str = "an event id") -> int | None:
    """Where a Server-Sent Events stream resumes: ``?after=``, else the ``Last-Event-ID``
    header the browser sends on reconnecting, else None (from now on)."""
    if after is not None or last_event_id is None:
        return after
    value = last_event_id.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_BIGINT:
        raise InvalidInput(f"Last-Event-ID must be {what} (an integer from 0 to 2^63-1)")
    return int(value)


def event_stream(frames: AsyncIterator[str]) -> StreamingResponse:
    """A Server-Sent Events response: never cached, never buffered by a proxy."""
    return StreamingResponse(
        frames,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


SESSION_COOKIE = "geoops_session"


def request_token(request: Request) -> str:
    """The token sent as ``Authorization: Bearer <token>`` or in the login cookie, or ''."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() != "bearer":
        raise Unauthorized("use Authorization: Bearer <token>")
    return token.strip() or request.cookies.get(SESSION_COOKIE, "")


def get_principal(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Principal | None:
    """The caller, or None when no credentials are sent (anonymous); Unauthorized when
    they are sent but not valid. Checked in a short transaction of its own, so a long
    response (the event stream) holds no transaction open."""
    token = request_token(request)
    if not token:
        return None
    with sessions(engine).begin() as session:
        return authenticate(token, settings=request.app.state.settings, session=session)


def require_user(principal: Annotated[Principal | None, Depends(get_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("log in, or send Authorization: Bearer <token>")
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through only ``roles`` (and administrators)."""

    def check(principal: Annotated[Principal, Depends(require_user)]) -> Principal:
        principal.require(*roles)
        return principal

    return check


# scope="function": the transaction commits before the response is sent, so a client that
# got 200 can rely on its data being stored (and a failed commit is an error, not a 200).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
UserDep = Annotated[Principal, Depends(require_user)]
MaybeUserDep = Annotated[Principal | None, Depends(get_principal)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
BBoxDep = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
