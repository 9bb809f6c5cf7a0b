"""Hotspot storage: bulk COPY into a staging table, one set-based insert, and reads."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.geojson import BBox, bbox_clause, feature_collection
from geoops.store.sqlfiles import load_sql

# Column order of the staging table and of the frame handed to insert_hotspots.
STAGE_COLUMNS: dict[str, str] = {
    "source": "text",
    "satellite": "text",
    "instrument": "text",
    "observed_at": "timestamptz",
    "latitude": "numeric",
    "longitude": "numeric",
    "confidence": "smallint",
    "confidence_raw": "text",
    "frp": "double precision",
    "brightness": "double precision",
    "brightness_2": "double precision",
    "scan": "double precision",
    "track": "double precision",
    "daynight": "text",
    "fire_type": "smallint",
    "version": "text",
}


def insert_hotspots(frame: pd.DataFrame, *, session: Session) -> int:
    """COPY ``frame`` (STAGE_COLUMNS) in and insert what is new; returns rows inserted."""
    if frame.empty:
        return 0
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS.items())
    session.execute(sa.text(f"CREATE TEMP TABLE IF NOT EXISTS hotspots_stage ({columns}) ON COMMIT DROP"))
    session.execute(sa.text("TRUNCATE hotspots_stage"))
    buffer = io.StringIO()
    frame[list(STAGE_COLUMNS)].to_csv(buffer, index=False, header=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY hotspots_stage FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())
    result = session.execute(sa.text(load_sql("geoops.store", "insert_hotspots")))
    return int(result.rowcount)  # type: ignore[attr-defined]


def hotspots_geojson(
    *,
    session: Session,
    after_id: int = 0,
    bbox: BBox | None = None,
    limit: int = 10_000,
) -> dict[str, Any]:
    """Hotspots as a GeoJSON FeatureCollection, built in SQL, newest ids last."""
    params: dict[str, Any] = {"after_id": after_id, "limit": limit}
    clauses = ["h.id > :after_id"] + ([bbox_clause("h.geom", bbox, params)] if bbox else [])
    return feature_collection("hotspots_geojson", clauses, params, session=session)
