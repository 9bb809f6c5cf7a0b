"""``geoops alerts run``: the alerting loops as a process of their own; ``geoops crews``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from geoops.commands.common import emit, ready_engine, reports_errors
from geoops.settings import Settings
from geoops.store.engine import transaction

alerts_app = typer.Typer(help="Alerting: matcher, dispatcher, escalation.", no_args_is_help=True)
crews_app = typer.Typer(help="Field crews: bases and availability.", no_args_is_help=True)


@alerts_app.command("run")
@reports_errors
def alerts_run() -> None:
    """Match events to alerts, deliver and escalate them until interrupted (any number of
    these and of `geoops serve` can share one database)."""
    from geoops.alerts.worker import run_alerting
    from geoops.store.engine import database_url, libpq_conninfo
    from geoops.store.listener import PgListener

    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = ready_engine(settings)

    async def main() -> None:
        from geoops.store.alert_records import DELIVERIES_CHANNEL
        from geoops.store.events import CHANNEL

        listener = PgListener(libpq_conninfo(database_url(settings)), [CHANNEL, DELIVERIES_CHANNEL])
        listener.start()
        try:
            await run_alerting(engine, settings, listener)
        finally:
            await listener.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@alerts_app.command("check")
@reports_errors
def alerts_check() -> None:
    """Alerting health (failing channels, events waiting unmatched) as JSON; exit 1 if degraded."""
    from geoops.alerts.watchdog import alerting_health

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        health = alerting_health(settings, session=session)
    emit(health)
    raise typer.Exit(0 if health["status"] == "ok" else 1)


@crews_app.command("load")
@reports_errors
def crews_load(
    file: Annotated[
        Path, typer.Argument(help="GeoJSON/GeoPackage of Point features: name, available, contact")
    ],
) -> None:
    """Add or update (by name) crews from a vector file of their bases."""
    from geoops.errors import UnusableInput
    from geoops.store.crews import upsert_crew
    from geoops.vector_files import read_vector_file

    frame = read_vector_file(file)
    if "name" not in frame.columns:
        raise UnusableInput(f"{file.name} has no 'name' column")
    loaded, errors = 0, []
    with transaction(ready_engine(Settings())) as session:
        for number, row in enumerate(frame.itertuples(index=False), start=1):
            point = row.geometry
            if point is None or point.geom_type != "Point" or not str(row.name or "").strip():
                errors.append({"feature": number, "reason": "needs a Point geometry and a name"})
                continue
            values: dict[str, Any] = {
                "name": str(row.name).strip(),
                "longitude": point.x,
                "latitude": point.y,
            }
            if "available" in frame.columns and row.available is not None:
                values["available"] = bool(row.available)
            if "contact" in frame.columns and row.contact is not None:
                values["contact"] = str(row.contact)
            upsert_crew(values, session=session)
            loaded += 1
    emit({"read": len(frame), "loaded": loaded, "rejected": len(errors), "errors": errors})
