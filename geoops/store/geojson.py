"""FeatureCollections built in SQL: one statement per collection, filters as clauses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.sqlfiles import load_sql

BBox = tuple[float, float, float, float]


def bbox_clause(column: str, bbox: BBox, params: dict[str, Any]) -> str:
    """``column`` meets the lon/lat box; adds the box to ``params``."""
    params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    return f"{column} && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"


def feature_collection(
    query: str, clauses: list[str], params: dict[str, Any], *, session: Session
) -> dict[str, Any]:
    """Run ``sql/<query>.sql`` with its ``/*where*/`` marker replaced by the clauses."""
    sql = load_sql("geoops.store", query).replace("/*where*/", " AND ".join(clauses) or "TRUE")
    return dict(session.execute(sa.text(sql), params).scalar_one())
