"""Liveness and database readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from geoops import __version__
from geoops.api.deps import EngineDep
from geoops.store.engine import check_ready

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database readiness (503 problem when not ready)")
async def healthz(engine: EngineDep) -> dict[str, Any]:
    postgis = await run_in_threadpool(check_ready, engine)
    return {"status": "ok", "version": __version__, "database": "ok", "postgis": postgis}
