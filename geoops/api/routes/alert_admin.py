"""Alerting for dispatchers and administrators: delivery and acknowledgement times per
level and channel, dead-lettered deliveries, and sending one again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from geoops.access.principal import Principal, Role
from geoops.api.deps import SessionDep, require_roles
from geoops.errors import NotFound
from geoops.store.alert_reads import alert_timings, dead_letters
from geoops.store.delivery_queue import retry_dead

router = APIRouter(tags=["alerts"])
Admin = Annotated[Principal, Depends(require_roles())]


@router.get(
    "/api/v1/metrics/alerts", summary="p50/p95 seconds to deliver (by level and channel) and to acknowledge"
)
def alert_metrics(
    session: SessionDep, user: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]
) -> dict[str, Any]:
    rows = alert_timings(session=session)
    pick = ("level", "channel", "n", "p50", "p95")
    return {
        "unit": "seconds",
        "deliver": [{k: r[k] for k in pick} for r in rows if r["measure"] == "deliver"],
        "acknowledge": [
            {k: r[k] for k in pick if k != "channel"} for r in rows if r["measure"] == "acknowledge"
        ],
    }


@router.get("/api/v1/deliveries/dead", summary="Dead-lettered deliveries (administrators)")
def dead(session: SessionDep, user: Admin) -> dict[str, Any]:
    return {"deliveries": dead_letters(session=session)}


@router.post("/api/v1/deliveries/{delivery_id}/retry", summary="Send a dead-lettered delivery again")
def retry(
    session: SessionDep, user: Admin, delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> dict[str, Any]:
    if not retry_dead(delivery_id, session=session):
        raise NotFound(f"no dead-lettered delivery {delivery_id}")
    return {"id": delivery_id, "status": "pending"}
