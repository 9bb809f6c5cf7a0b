"""``geoops serve`` and ``geoops demo``: the server with its workers, and the guided demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI
from rich.console import Console

from geoops.api.app import Worker, create_app
from geoops.demo_setup import prepare_demo
from geoops.pollers import ingest_workers
from geoops.replay import ReplayStep, Step, load_steps, replay
from geoops.sensor_workers import sensor_workers
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store import migrate
from geoops.store.cluster import EmbeddedCluster
from geoops.store.engine import create_engine
from geoops.workers import alerting, detect_params, detector

DEMO_FIRMS = PROJECT_ROOT / "data" / "firms" / "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
console = Console(stderr=True, soft_wrap=True)


def run_server(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    with_workers: bool = True,
    extra: tuple[Worker, ...] = (),
    access_log: bool = True,
) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    workers = (
        (detector(settings), alerting(settings), *ingest_workers(settings), *sensor_workers(settings))
        if with_workers
        else ()
    ) + extra
    app = create_app(settings, workers=workers)
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        access_log=access_log,
    )


def run_demo(
    settings: Settings, *, host: str | None, port: int | None, speed: float | None, keep_data: bool
) -> None:
    host, port = host or settings.host, port or settings.port
    if not settings.database_url:
        with console.status("starting the embedded PostGIS cluster…"):
            cluster = EmbeddedCluster(settings.cluster_dir)
            cluster.up()
            cluster.create_database("geoops")
    engine = create_engine(settings)
    migrate.upgrade(engine)
    login = prepare_demo(engine, settings, keep_data=keep_data, console=console)
    passes = load_steps([DEMO_FIRMS])
    engine.dispose()
    speed = settings.demo_speed if speed is None else speed
    console.rule("[bold green]geoops demo")
    console.print(
        f"Open [bold]http://{host}:{port}/map[/bold] — {len(passes)} VIIRS passes of "
        f"2021-09-28/29 replay at {speed:g}x real time. API docs: /docs. Ctrl-C stops."
    )
    console.print(
        f"Log in as [bold]{login.name}[/bold] with password [bold]{login.password}[/bold] "
        "(a dispatcher for every region of Russia: fires elsewhere are outside this login's scope)."
    )
    console.print(
        "Alerts for confirmed fires of medium priority and above appear in the map's Alerts panel "
        "(acknowledge them, suggest and assign the nearest crews); /crew is the crews' phone page."
    )

    def show(step: ReplayStep) -> None:
        console.print(
            f"{step.observed_at:%Y-%m-%d %H:%M}Z  +{step.ingest.inserted:4d} hotspots", highlight=False
        )

    def replayer(app: FastAPI) -> Awaitable[Callable[[], Awaitable[None]]]:
        return _start_replay(app, settings, passes, speed, show)

    run_server(settings, host=host, port=port, extra=(replayer,), access_log=False)


async def _start_replay(
    app: FastAPI,
    settings: Settings,
    passes: list[Step],
    speed: float,
    show: Callable[[ReplayStep], None],
) -> Callable[[], Awaitable[None]]:
    stop = threading.Event()

    def work() -> None:
        replay(
            passes,
            engine=app.state.engine,
            params=detect_params(settings),
            speed=speed,
            on_step=show,
            stop=stop,
            detect=False,  # the detector worker runs on each ingest NOTIFY
        )
        if not stop.is_set():
            console.print("[green]replay finished[/green]; the server keeps running.")

    await asyncio.sleep(0)
    task = asyncio.create_task(asyncio.to_thread(work))

    async def halt() -> None:
        stop.set()
        with contextlib.suppress(Exception):
            await task

    return halt
