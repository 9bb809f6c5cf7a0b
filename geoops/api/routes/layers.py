"""Registry layers, read-only for now (editing comes with the registry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from geoops.api.deps import BBoxDep, MaybeUserDep, SessionDep
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.store.layers import layer_geojson, list_layers

router = APIRouter(prefix="/api/v1/layers", tags=["layers"])


@router.get("", summary="The registry layers with their feature counts")
def get_layers(session: SessionDep, user: MaybeUserDep) -> list[dict[str, Any]]:
    """Every layer for a logged-in user; only public layers for anyone else."""
    return list_layers(session=session, public_only=user is None)


@router.get("/{name}", response_class=GeoJSONResponse, summary="One layer as a FeatureCollection")
def get_layer(
    session: SessionDep,
    user: MaybeUserDep,
    bbox: BBoxDep,
    name: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)],
    limit: Annotated[int, Query(ge=1, le=100_000)] = 50_000,
) -> Any:
    return layer_geojson(name, session=session, bbox=bbox, limit=limit, public_only=user is None)
