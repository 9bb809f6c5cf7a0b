"""The ``geoops`` command: parses, calls one service function, renders. Errors exit 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from geoops.errors import ClusterError, DatabaseUnavailable, GeoopsError
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store import migrate as migrations
from geoops.store.cluster import EmbeddedCluster
from geoops.store.engine import check_ready, create_engine, transaction

P = ParamSpec("P")
R = TypeVar("R")
err = Console(stderr=True, soft_wrap=True)
app = typer.Typer(help="geoops: wildfire and incident monitoring on PostGIS.", no_args_is_help=True)
db_app = typer.Typer(help="The database: embedded cluster lifecycle and migrations.", no_args_is_help=True)
ingest_app = typer.Typer(help="Load data; each prints a JSON summary.", no_args_is_help=True)
layers_app = typer.Typer(help="Registry layers.", no_args_is_help=True)
incidents_app = typer.Typer(help="The incident registry.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
jurisdictions_app = typer.Typer(
    help="Management levels: region, district, municipality…", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (ingest_app, "ingest"),
    (layers_app, "layers"),
    (incidents_app, "incidents"),
    (users_app, "users"),
    (jurisdictions_app, "jurisdictions"),
    (tokens_app, "tokens"),
):
    app.add_typer(sub, name=name)


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A GeoopsError becomes one line on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except GeoopsError as exc:
            err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
            raise typer.Exit(2) from exc

    return wrapper


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar over the bytes sent, on a terminal and for files over ~3,000 rows."""
    if not err.is_terminal or total < 256 * 1024:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda sent: bar.update(
            task,
            advance=sent,
            description=label
            if bar.tasks[task].completed + sent < total
            else f"{label}: checking and storing",
        )


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def ready_engine(settings: Settings) -> Engine:
    """An engine on a reachable database whose schema is at the code's head revision."""
    if not settings.database_url and not EmbeddedCluster(settings.cluster_dir).running:
        raise ClusterError(
            f"the embedded database in {settings.cluster_dir} is not running: run `geoops db up`"
        )
    engine = create_engine(settings)
    check_ready(engine)
    current, head = migrations.current_revision(engine), migrations.head_revision()
    if current != head:
        raise DatabaseUnavailable(
            f"schema is at {current or 'nothing'}, code needs {head}: run `geoops db migrate`"
        )
    return engine


# -- db ------------------------------------------------------------------------------------
@db_app.command("up")
@reports_errors
def db_up() -> None:
    """Start the embedded cluster (creating it, the database and PostGIS if needed)."""
    settings = Settings()
    if settings.database_url:
        err.print(f"using GEOOPS_DATABASE_URL; PostGIS {check_ready(create_engine(settings))} answers")
        return
    cluster = EmbeddedCluster(settings.cluster_dir)
    with err.status("starting the embedded PostGIS cluster…"):
        cluster.up()
        cluster.create_database("geoops")
    err.print(f"embedded cluster running in {cluster.path}; next: `geoops db migrate`")


@db_app.command("down")
@reports_errors
def db_down() -> None:
    """Stop the embedded cluster (data stays in place)."""
    settings = Settings()
    if settings.database_url:
        err.print("GEOOPS_DATABASE_URL is set: geoops does not manage that server")
        return
    EmbeddedCluster(settings.cluster_dir).down()
    err.print("embedded cluster stopped")


@db_app.command("status")
@reports_errors
def db_status() -> None:
    """Which database geoops uses and whether it answers (JSON on stdout)."""
    settings = Settings()
    info: dict[str, Any] = {"mode": "external" if settings.database_url else "embedded"}
    if not settings.database_url:
        status = EmbeddedCluster(settings.cluster_dir).status()
        info.update(path=str(status.path), initialized=status.initialized, running=status.running)
    engine = create_engine(settings)
    info["url"] = engine.url.render_as_string(hide_password=True)
    try:
        info.update(
            answering=True,
            postgis=check_ready(engine),
            revision=migrations.current_revision(engine),
        )
    except DatabaseUnavailable as exc:
        info.update(answering=False, reason=exc.detail)
    info["head"] = migrations.head_revision()
    emit(info)
    if not info["answering"]:
        raise typer.Exit(1)


@db_app.command("migrate")
@reports_errors
def db_migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply the schema migrations (to the newest by default)."""
    settings = Settings()
    engine = create_engine(settings)
    check_ready(engine)
    migrations.upgrade(engine, revision)
    err.print(f"schema at revision {migrations.current_revision(engine)}")


# -- ingest, detect, export ------------------------------------------------------------------
@ingest_app.command("firms")
@reports_errors
def ingest_firms_cmd(
    source: Annotated[str, typer.Argument(help="FIRMS CSV file (any variant, gzip too) or http(s) URL")],
) -> None:
    """FIRMS active-fire CSV into hotspots."""
    from geoops.ingest.firms import ingest_firms, read_source
    from geoops.ingest.http_fetch import fetch_url, redact_url

    engine = ready_engine(Settings())  # check the database before downloading
    if source.lower().startswith(("http://", "https://")):
        data, name = fetch_url(source), redact_url(source)
    else:
        data, name = read_source(Path(source)), Path(source).name
    with _progress(f"ingesting {name}", len(data)) as advance, transaction(engine) as session:
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
    from geoops.ingest.firms import read_source
    from geoops.ingest.sensors import STATION_COLUMNS, ingest_stations, read_csv

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
    from geoops.ingest.firms import read_source
    from geoops.ingest.sensors import OBSERVATION_COLUMNS, read_csv
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
    from geoops.ingest.firms import read_source
    from geoops.ingest.report_checks import ReportRules
    from geoops.ingest.reports import ingest_reports_geojson

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        summary = ingest_reports_geojson(
            read_source(path), rules=ReportRules.from_settings(settings), session=session
        )
        emit(summary.as_dict())


@app.command("detect")
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


# -- layers ------------------------------------------------------------------------------------
@layers_app.command("import")
@reports_errors
def layers_import(
    name: Annotated[str, typer.Argument(help="Layer name (lowercase, digits, _)")],
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile…")],
    title: Annotated[str | None, typer.Option(help="Human title")] = None,
) -> None:
    """Replace a registry layer with the features of FILE."""
    from geoops.registry.layer_import import import_layer

    with transaction(ready_engine(Settings())) as session:
        emit(import_layer(name, file, session=session, title=title, actor=_actor()).as_dict())


@layers_app.command("load")
@reports_errors
def layers_load(
    folder: Annotated[Path, typer.Argument(help="Folder of layer *.yaml definitions")] = PROJECT_ROOT
    / "layers",
) -> None:
    """Import every layer defined in FOLDER (default: the bundled demo layers)."""
    from geoops.registry.definitions import read_definitions
    from geoops.registry.layer_import import import_definition

    engine = ready_engine(Settings())
    for spec in read_definitions(folder):
        with transaction(engine) as session:
            emit(import_definition(spec, session=session).as_dict())


@jurisdictions_app.command("load")
@reports_errors
def jurisdictions_load(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile…")],
    level: Annotated[str, typer.Option(help="Level of the features (one of GEOOPS_LEVELS)")],
    name_field: Annotated[str | None, typer.Option(help="Name column (default: detected)")] = None,
    code_field: Annotated[str | None, typer.Option(help="Code column (default: detected)")] = None,
    parent_level: Annotated[
        str | None, typer.Option(help="Level of the parents (default: nearest loaded level above)")
    ] = None,
) -> None:
    """Load FILE as jurisdictions of one level; parents are found by spatial containment."""
    from geoops.access.jurisdiction_load import load_jurisdiction_file

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        summary = load_jurisdiction_file(
            file, level=level, levels=settings.levels, name_field=name_field, code_field=code_field,
            parent_level=parent_level, session=session,
        )  # fmt: skip
        emit(summary.as_dict())


# -- users and tokens -----------------------------------------------------------------------
@users_app.command("add")
@reports_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="admin, dispatcher, crew, clerk or viewer")],
    jurisdiction: Annotated[
        list[str] | None, typer.Option(help="Jurisdiction name, level:name or id (repeat for several)")
    ] = None,
    password: Annotated[str | None, typer.Option(help="Default: a random one, printed once")] = None,
) -> None:
    """Create a user attached to one or more jurisdictions."""
    from geoops.access.accounts import add_user
    from geoops.access.credentials import new_password
    from geoops.store.jurisdiction_reads import jurisdiction_ids_for

    password = password or new_password()
    with transaction(ready_engine(Settings())) as session:
        ids = jurisdiction_ids_for(jurisdiction or [], session=session) if jurisdiction else []
        user_id = add_user(
            name, role=role, password=password, jurisdiction_ids=ids, actor=_actor(), session=session
        )
    emit({"id": user_id, "name": name, "role": role, "jurisdictions": ids, "password": password})


@tokens_app.command("create")
@reports_errors
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts for")],
    days: Annotated[float | None, typer.Option(help="Lifetime in days (default GEOOPS_TOKEN_DAYS)")] = None,
) -> None:
    """Create an API token for a user; it is printed once and stored only as a hash."""
    from datetime import timedelta

    from geoops.access.accounts import issue_token

    settings = Settings()
    lifetime = timedelta(days=days) if days else None
    with transaction(ready_engine(settings)) as session:
        token, expires = issue_token(name, settings=settings, session=session, lifetime=lifetime)
    emit({"user": name, "token": token, "expires_at": expires.isoformat()})


@tokens_app.command("revoke")
@reports_errors
def tokens_revoke(prefix: Annotated[str, typer.Argument(help="The part after go_ (8 characters)")]) -> None:
    """Revoke a token by its prefix."""
    from geoops.store.users import revoke_token

    with transaction(ready_engine(Settings())) as session:
        emit({"revoked": revoke_token(prefix=prefix.removeprefix("go_")[:8], session=session)})


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


# -- running -------------------------------------------------------------------------------------
@app.command("replay")
@reports_errors
def replay_cmd(
    paths: Annotated[list[Path], typer.Argument(help="FIRMS CSV files")],
    speed: Annotated[float, typer.Option(min=0, help="x real time; 0 = as fast as possible")] = 0.0,
) -> None:
    """Feed FIRMS files in observation-time order, detecting after each pass."""
    from geoops.replay import load_passes, replay
    from geoops.workers import detect_params

    settings = Settings()
    passes = load_passes(paths)
    replay(
        passes,
        engine=ready_engine(settings),
        params=detect_params(settings),
        speed=speed,
        on_step=lambda s: emit(
            {
                "observed_at": s.observed_at,
                **s.ingest.as_dict(),
                "incidents_created": len(s.detection.created) if s.detection else 0,
            }
        ),
    )


@app.command("serve")
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


@app.command("demo")
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


def main() -> None:
    app()
