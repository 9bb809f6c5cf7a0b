"""The application factory: nothing connects or reads the environment at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from geoops import __version__
from geoops.api.problems import install_problem_handlers
from geoops.api.routes import events, health, hotspots, incidents, layers, pages, sources
from geoops.settings import Settings
from geoops.store.engine import create_engine, database_url, libpq_conninfo
from geoops.store.events import CHANNEL, INGEST_CHANNEL
from geoops.store.listener import PgListener

MAPS_STATIC = Path(__file__).resolve().parent.parent / "maps" / "static"

# A background worker started with the app: receives the app once it is running and
# returns a coroutine that stops it.
Worker = Callable[[FastAPI], Awaitable[Callable[[], Awaitable[None]]]]


def create_app(settings: Settings | None = None, *, workers: tuple[Worker, ...] = ()) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings)
        app.state.listener = PgListener(libpq_conninfo(database_url(settings)), [CHANNEL, INGEST_CHANNEL])
        app.state.listener.start()
        stops = [await start(app) for start in workers]
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()
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
    for module in (health, hotspots, incidents, events, layers, sources, pages):
        app.include_router(module.router)
    app.mount("/static/geoops", StaticFiles(directory=MAPS_STATIC), name="geoops-static")
    for prefix, folder in (("leaflet", "leaflet/dist"), ("swagger-ui", "swagger-ui-dist")):
        assets = StaticFiles(directory=settings.assets_dir / folder, check_dir=False)
        app.mount(f"/static/vendor/{prefix}", assets, name=prefix)
    return app
