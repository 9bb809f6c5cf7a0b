"""``geoops ingest``: files and URLs into the store; each prints a JSON summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoops.commands.common import emit, progress_bar, ready_engine, reports_errors
from geoops.settings import Settings
from geoops.store.engine import transaction

ingest_app = typer.Typer(help="Load data; each prints a JSON summary.", no_args_is_help=True)


@ingest_app.command("firms")
@reports_errors
def ingest_firms_cmd(
    source: Annotated[str, typer.Argument(help="FIRMS CSV file (any variant, gzip too) or http(s) URL")],
) -> None:
    """FIRMS active-fire CSV into hotspots."""
    from geoops.ingest.firms import ingest_firms
    from geoops.ingest.http_fetch import fetch_url, redact_url
    from geoops.ingest.source_files import read_source

    engine = ready_engine(Settings())  # check the database before downloading
    if source.lower().startswith(("http://", "https://")):
        data, name = fetch_url(source), redact_url(source)
    else:
        data, name = read_source(Path(source)), Path(source).name
    with progress_bar(f"ingesting {name}", len(data)) as advance, transaction(engine) as session:
        emit(ingest_firms(data, source=name, session=session, progress=advance).as_dict())


@ingest_app.command("raster")
@reports_errors
def ingest_raster_cmd(
    path: Annotated[Path, typer.Argument(help="Fire-mask GeoTIFF (MODIS MOD14-style classes), any CRS")],
    band: Annotated[int, typer.Option(help="Band holding the fire classes")] = 1,
    classes: Annotated[str, typer.Option(help="Fire class=confidence (0-100) pairs")] = "7=15,8=55,9=90",
    observed_at: Annotated[
        str | None, typer.Option(help="Acquisition time, ISO 8601 (UTC if no zone); default: the file's tag")
    ] = None,
    satellite: Annotated[str, typer.Option(help="Satellite stored with each hotspot")] = "unknown",
) -> None:
    """Fire-mask GeoTIFF into hotspots at fire-pixel centres."""
    from geoops.ingest.fire_mask import ingest_fire_mask, parse_classes, parse_observed_at

    fire_classes = parse_classes(classes)
    when = parse_observed_at(observed_at) if observed_at else None
    with transaction(ready_engine(Settings())) as session:
        summary = ingest_fire_mask(
            path, session=session, band=band, classes=fire_classes, observed_at=when, satellite=satellite
        )
        emit(summary.as_dict())


@ingest_app.command("stations")
@reports_errors
def ingest_stations_cmd(
    path: Annotated[Path, typer.Argument(help="CSV with columns station_id,lon,lat[,name,kind]")],
) -> None:
    """Sensor stations: registers new ones, updates moved or renamed ones."""
    from geoops.ingest.sensors import STATION_COLUMNS, ingest_stations, read_csv
    from geoops.ingest.source_files import read_source

    rows, lines = read_csv(read_source(path), STATION_COLUMNS)
    with transaction(ready_engine(Settings())) as session:
        emit(ingest_stations(rows, lines=lines, session=session).as_dict())


@ingest_app.command("observations")
@reports_errors
def ingest_observations_cmd(
    path: Annotated[
        Path, typer.Argument(help="CSV with columns station_id,observed_at,property,value,unit (ISO 8601)")
    ],
) -> None:
    """Sensor readings: stores the new ones and fires the anomaly rules on them."""
    from geoops.ingest.sensors import OBSERVATION_COLUMNS, read_csv
    from geoops.ingest.source_files import read_source
    from geoops.sensor_workers import ingest_and_check, sensor_rules

    settings = Settings()
    rows, lines = read_csv(read_source(path), OBSERVATION_COLUMNS)
    with transaction(ready_engine(settings)) as session:
        summary = ingest_and_check(rows, lines, sensor_rules(settings), source=path.name, session=session)
        emit(summary.as_dict())


@ingest_app.command("reports")
@reports_errors
def ingest_reports_cmd(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of Point reports")],
) -> None:
    """Citizen and field reports (reported_at, category, text; optional contact) into reports."""
    from geoops.ingest.report_checks import ReportRules
    from geoops.ingest.reports import ingest_reports_geojson
    from geoops.ingest.source_files import read_source

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        summary = ingest_reports_geojson(
            read_source(path), rules=ReportRules.from_settings(settings), session=session
        )
        emit(summary.as_dict())
