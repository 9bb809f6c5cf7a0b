"""The application factory: nothing connects or reads the environment at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from geoops import __version__
from geoops.alerts.live import AlertHub
from geoops.api.limits import BodySizeLimit
from geoops.api.problems import install_problem_handlers
from geoops.api.routes import (
    alert_admin,
    alerts,
    auth,
    crews,
    events,
    health,
    heat_sources,
    hotspots,
    incidents,
    jurisdictions,
    layers,
    pages,
    reports,
    sensors,
    sources,
    subscriptions,
)
from geoops.errors import ConfigurationError
from geoops.settings import Settings
from geoops.store.alert_records import ALERTS_CHANNEL, DELIVERIES_CHANNEL
from geoops.store.engine import create_engine, database_url, libpq_conninfo
from geoops.store.events import CHANNEL, INGEST_CHANNEL
from geoops.store.listener import PgListener

MAPS_STATIC = Path(__file__).resolve().parent.parent / "maps" / "static"

# A background worker started with the app: receives the app once it is running and
# returns a coroutine that stops it.
Worker = Callable[[FastAPI], Awaitable[Callable[[], Awaitable[None]]]]


def create_app(settings: Settings | None = None, *, workers: tuple[Worker, ...] = ()) -> FastAPI:
    settings = settings or Settings()
    if settings.placeholder_secret and not settings.demo:
        raise ConfigurationError(
            "GEOOPS_SECRET_KEY is the placeholder: set a long random value (or GEOOPS_DEMO=1 for a demo)"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings)
        channels = [CHANNEL, INGEST_CHANNEL, ALERTS_CHANNEL, DELIVERIES_CHANNEL]
        app.state.listener = PgListener(libpq_conninfo(database_url(settings)), channels)
        app.state.listener.start()
        app.state.alert_hub = AlertHub(app.state.engine, app.state.listener)
        await app.state.alert_hub.start()
        stops = [await start(app) for start in workers]
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()
            await app.state.alert_hub.stop()
            await app.state.listener.stop()
            app.state.engine.dispose()

    app = FastAPI(
        title="geoops",
        version=__version__,
        summary="Geospatial incident and wildfire monitoring",
        lifespan=lifespan,
        docs_url=None,  # served by routes/pages.py from local assets, so it works offline
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=int(settings.max_body_mb * 2**20))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"], allow_headers=["Authorization", "Content-Type"],
        )  # fmt: skip
    for module in (
        health,
        auth,
        alerts,
        alert_admin,
        crews,
        subscriptions,
        hotspots,
        incidents,
        events,
        jurisdictions,
        layers,
        heat_sources,
        sources,
        reports,
        sensors,
        pages,
    ):
        app.include_router(module.router)
    app.mount("/static/geoops", StaticFiles(directory=MAPS_STATIC), name="geoops-static")
    for prefix, folder in (("leaflet", "leaflet/dist"), ("swagger-ui", "swagger-ui-dist")):
        assets = StaticFiles(directory=settings.assets_dir / folder, check_dir=False)
        app.mount(f"/static/vendor/{prefix}", assets, name=prefix)
    return app
