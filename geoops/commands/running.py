"""Running geoops: detect, replay, serve, demo, and the incident export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoops.commands.common import emit, ready_engine, reports_errors
from geoops.settings import Settings
from geoops.store.engine import transaction

running_app = typer.Typer()
incidents_app = typer.Typer(help="The incident registry.", no_args_is_help=True)


@running_app.command("detect")
@reports_errors
def detect_cmd() -> None:
    """Run one detection pass now (new hotspots into incidents); prints what changed."""
    from geoops.workers import detect_once, detect_params

    settings = Settings()
    emit(detect_once(ready_engine(settings), detect_params(settings)).as_dict())


@incidents_app.command("export")
@reports_errors
def incidents_export(
    fmt: Annotated[str, typer.Option("--format", help="Only geojson for now")] = "geojson",
) -> None:
    """All current incidents as a GeoJSON FeatureCollection on stdout."""
    from geoops.errors import InvalidInput
    from geoops.store.incidents import incidents_geojson

    if fmt != "geojson":
        raise InvalidInput(f"unknown format {fmt!r}: use geojson")
    with transaction(ready_engine(Settings())) as session:
        emit(incidents_geojson(session=session, limit=10_000_000))


@running_app.command("replay")
@reports_errors
def replay_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="FIRMS, stations and observations CSVs, reports GeoJSON (or gzip)")
    ],
    speed: Annotated[float, typer.Option(min=0, help="x real time; 0 = as fast as possible")] = 0.0,
    step: Annotated[int, typer.Option(min=1, help="Minutes of observations or reports per step")] = 10,
) -> None:
    """Feed every source in observation-time order (stations first), detecting after each step."""
    from datetime import timedelta

    from geoops.replay import load_steps, replay, replay_options
    from geoops.workers import detect_params

    settings = Settings()
    steps = load_steps(paths, replay_options(settings, timedelta(minutes=step)))
    replay(
        steps,
        engine=ready_engine(settings),
        params=detect_params(settings),
        speed=speed,
        on_step=lambda s: emit(
            {
                "kind": s.kind,
                "file": s.source,
                "observed_at": s.observed_at.isoformat() if s.observed_at else None,
                **s.ingest.as_dict(),
                "incidents_created": len(s.detection.created) if s.detection else 0,
            }
        ),
    )


@running_app.command("serve")
@reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[bool, typer.Option(help="Run the detector beside the API")] = True,
) -> None:
    """API, pages and background workers."""
    from geoops.demo import run_server

    settings = Settings()
    ready_engine(settings)
    run_server(settings, host=host, port=port, with_workers=workers)


@running_app.command("demo")
@reports_errors
def demo(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    speed: Annotated[float | None, typer.Option(min=0, help="Replay speed, x real time")] = None,
    keep_data: Annotated[bool, typer.Option(help="Keep earlier demo data instead of starting clean")] = False,
) -> None:
    """Database, layers, server and a live map fed by real VIIRS hotspots."""
    from geoops.demo import run_demo

    run_demo(Settings(demo=True), host=host, port=port, speed=speed, keep_data=keep_data)
