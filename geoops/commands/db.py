"""``geoops db``: the embedded cluster's lifecycle and migrations."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from geoops.commands.common import emit, err, reports_errors
from geoops.errors import DatabaseUnavailable
from geoops.settings import Settings
from geoops.store import migrate as migrations
from geoops.store.cluster import EmbeddedCluster
from geoops.store.engine import check_ready, create_engine

db_app = typer.Typer(help="The database: embedded cluster lifecycle and migrations.", no_args_is_help=True)


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
