"""Small named dependencies: the session, the settings, common query parsers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geoops.errors import InvalidInput
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


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
BBoxDep = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
