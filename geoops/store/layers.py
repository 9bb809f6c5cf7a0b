"""Registry layers: named collections of features with free-form properties."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geoops.errors import NotFound
from geoops.store.geojson import BBox, bbox_clause, feature_collection
from geoops.store.tables import layers


def upsert_layer(name: str, *, session: Session, **fields: Any) -> int:
    """Create the layer or update its descriptive fields; returns its id."""
    stmt = insert(layers).values(name=name, **fields)
    stmt = stmt.on_conflict_do_update(
        index_elements=[layers.c.name], set_={**fields, "updated_at": sa.func.now()}
    )
    return int(session.execute(stmt.returning(layers.c.id)).scalar_one())


def replace_layer_features(layer_id: int, features: pd.DataFrame, *, session: Session) -> int:
    """Swap the layer's features for ``features`` (columns ``properties`` JSON text and
    ``geom`` hex EWKB, SRID 4326) through COPY; returns how many are stored."""
    session.execute(sa.text("DELETE FROM layer_features WHERE layer_id = :id"), {"id": layer_id})
    buffer = io.StringIO()
    features.assign(layer_id=layer_id)[["layer_id", "properties", "geom"]].to_csv(
        buffer, index=False, header=False
    )
    raw: Any = session.connection().connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy("COPY layer_features (layer_id, properties, geom) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getvalue())
    session.execute(
        sa.update(layers)
        .where(layers.c.id == layer_id)
        .values(feature_count=len(features), updated_at=sa.func.now())
    )
    return len(features)


def list_layers(*, session: Session, public_only: bool = False) -> list[dict[str, Any]]:
    query = sa.select(
        layers.c.name,
        layers.c.title,
        layers.c.description,
        layers.c.attribution,
        layers.c.source,
        layers.c.feature_count,
        layers.c.updated_at,
        layers.c.public,
    ).order_by(layers.c.name)
    rows = session.execute(query.where(layers.c.public) if public_only else query)
    return [dict(r) for r in rows.mappings()]


def layer_geojson(
    name: str,
    *,
    session: Session,
    bbox: BBox | None = None,
    limit: int = 50_000,
    public_only: bool = False,
) -> dict[str, Any]:
    """A layer as a FeatureCollection (NotFound when there is no such layer, or when
    ``public_only`` and the layer is not public)."""
    query = sa.select(layers.c.id).where(layers.c.name == name)
    layer_id = session.execute(query.where(layers.c.public) if public_only else query).scalar()
    if layer_id is None:
        raise NotFound(f"no layer named {name!r}")
    params: dict[str, Any] = {"layer_id": layer_id, "limit": limit}
    clauses = ["f.layer_id = :layer_id"] + ([bbox_clause("f.geom", bbox, params)] if bbox else [])
    return feature_collection("layer_geojson", clauses, params, session=session)
