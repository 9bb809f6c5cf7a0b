"""Background workers that ``geoops serve`` runs beside the API (detector for now)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from geoops.background import run_in_background
from geoops.detect.detection_pass import DetectParams, run_detection_pass
from geoops.detect.heat_candidates import CandidateParams
from geoops.detect.priority import PriorityParams
from geoops.domain import DetectionResult
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.store.events import INGEST_CHANNEL

log = logging.getLogger(__name__)


def detect_params(settings: Settings) -> DetectParams:
    return DetectParams(
        link_distance_m=settings.link_distance_m,
        link_window_hours=settings.link_window_hours,
        inactive_after_hours=settings.inactive_after_hours,
        heat_source_layer=settings.heat_source_layer,
        heat_source_radius_m=settings.heat_source_radius_m,
        water_layers=tuple(settings.water_layers),
        fusion_distance_m=settings.fusion_distance_m,
        fusion_window_hours=settings.fusion_window_hours,
        region_level=settings.region_level,
        priority=PriorityParams(
            settlements_layer=settings.settlements_layer,
            protected_layers=tuple(settings.protected_layers),
            fwi_raster=settings.fwi_raster,
        ),
        candidates=CandidateParams(
            min_days=settings.candidate_min_days,
            max_extent_m=settings.candidate_max_extent_m,
            extent_pixels=settings.candidate_extent_pixels,
        ),
    )


def detect_once(engine: Engine, params: DetectParams) -> DetectionResult:
    with transaction(engine) as session:
        return run_detection_pass(params, session=session)


def detector(settings: Settings) -> Callable[[FastAPI], Awaitable[Callable[[], Awaitable[None]]]]:
    """A worker that runs a detection pass on every ingest NOTIFY, and at least every
    ``detect_interval_seconds``."""

    async def start(app: FastAPI) -> Callable[[], Awaitable[None]]:
        return run_in_background(_detect_forever(app, detect_params(settings), settings), "detector")

    return start


async def _detect_forever(app: FastAPI, params: DetectParams, settings: Settings) -> None:
    engine: Engine = app.state.engine
    with app.state.listener.subscribe(INGEST_CHANNEL) as wake:
        while True:
            wake.clear()
            try:
                result = await asyncio.to_thread(detect_once, engine, params)
                if result.hotspots:
                    log.info(
                        "detection pass: %d hotspots, %d new, %d updated, %d merges",
                        result.hotspots,
                        len(result.created),
                        len(result.updated),
                        len(result.merged),
                    )
                if result.hotspots >= params.batch_size:
                    continue  # more waiting
            except Exception:  # a failed pass must not stop the worker; the next one retries
                log.exception("detection pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), settings.detect_interval_seconds)


def alerting(settings: Settings) -> Callable[[FastAPI], Awaitable[Callable[[], Awaitable[None]]]]:
    """The alert matcher, dispatcher and checks, beside the API."""
    from geoops.alerts.matcher import MatchConfig
    from geoops.alerts.worker import run_alerting

    MatchConfig.from_settings(settings)  # bad GEOOPS_ALERT_RULES stop the start, not the worker

    async def start(app: FastAPI) -> Callable[[], Awaitable[None]]:
        return run_in_background(run_alerting(app.state.engine, settings, app.state.listener), "alerting")

    return start
