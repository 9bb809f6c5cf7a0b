"""Liveness, database readiness, and whether alerting is healthy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from geoops import __version__
from geoops.alerts.watchdog import alerting_health
from geoops.api.deps import EngineDep, SettingsDep
from geoops.settings import Settings
from geoops.store.engine import check_ready, transaction

router = APIRouter(tags=["health"])


def _alerting(engine: Engine, settings: Settings) -> dict[str, Any]:
    with transaction(engine) as session:
        return alerting_health(settings, session=session)


@router.get(
    "/healthz",
    summary="Liveness and database readiness (503 problem when not ready); `degraded` when "
    "an alert channel keeps failing or events wait unmatched",
)
async def healthz(engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    postgis = await run_in_threadpool(check_ready, engine)
    alerting = await run_in_threadpool(_alerting, engine, settings)
    return {
        "status": "degraded" if alerting["status"] != "ok" else "ok",
        "version": __version__,
        "database": "ok",
        "postgis": postgis,
        "alerting": alerting,
    }
